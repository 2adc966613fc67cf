"""Record Ids, made in bulk: Salesforce-style 18-character Ids and activity-log Ids.

Ids are sequential per object within a unit of the org. The high digits carry the drop's day
index (0 for the full extract, 1 for the first next-day drop, ...) and the unit, so Ids made on
different days or in different units never collide, and units can be built in any order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orchestration.demo.columns import fixed_width_strings

# Key prefixes of the standard objects (the first three characters of a Salesforce Id).
KEY_PREFIXES: dict[str, str] = {
    "User": "005",
    "UserRole": "00E",
    "Account": "001",
    "Lead": "00Q",
    "LeadHistory": "017",
    "Opportunity": "006",
    "OpportunityHistory": "008",
    "ForecastingQuota": "0J9",
    "Territory2": "0MI",
    "Territory2Type": "0M5",
    "UserTerritory2Association": "0R0",
    "ObjectTerritory2Association": "0R1",
    "Task": "00T",
    "Event": "00U",
}
_INSTANCE = b"8d"  # the two "pod" characters after the prefix
_BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
_CHECKSUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", dtype=np.uint8)
# Id numbers: day index, then unit, then a sequence.
_SF_DAY_STRIDE = 62**8
_SF_UNIT_STRIDE = 62**5  # 916M records per object and unit; 238k units
_ACTIVITY_DAY_STRIDE = 10**11
_ACTIVITY_UNIT_STRIDE = 10**7  # 10M activity rows per unit; 10k units
ACTIVITY_ID_PREFIX = b"ACT"


def salesforce_ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """18-character Ids (15 case-sensitive characters + the case checksum), one per number."""
    numbers = np.asarray(numbers, dtype=np.uint64)
    out = np.empty((len(numbers), 18), dtype=np.uint8)
    out[:, 0:3] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    out[:, 3:5] = np.frombuffer(_INSTANCE, dtype=np.uint8)
    rest = numbers.copy()
    for position in range(14, 4, -1):
        out[:, position] = _BASE62[(rest % 62).astype(np.intp)]
        rest //= 62
    upper = (out[:, :15] >= ord("A")) & (out[:, :15] <= ord("Z"))
    weights = 1 << np.arange(5)
    for chunk in range(3):
        flags = (upper[:, chunk * 5 : chunk * 5 + 5] * weights).sum(axis=1)
        out[:, 15 + chunk] = _CHECKSUM[flags]
    return fixed_width_strings(out)


def decimal_ids(prefix: bytes, numbers: np.ndarray, digits: int) -> pa.Array:
    """`prefix` followed by the zero-padded decimal number, e.g. ACT000000000000042."""
    numbers = np.asarray(numbers, dtype=np.uint64)
    out = np.empty((len(numbers), len(prefix) + digits), dtype=np.uint8)
    out[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    rest = numbers.copy()
    for position in range(len(prefix) + digits - 1, len(prefix) - 1, -1):
        out[:, position] = ord("0") + (rest % 10).astype(np.uint8)
        rest //= 10
    return fixed_width_strings(out)


class IdAllocator:
    """Hands out consecutive Ids per object for one unit of one drop (day 0 = the full extract)."""

    def __init__(self, day_index: int = 0, unit: int = 0) -> None:
        self.day_index = day_index
        self.unit = unit
        self._issued: dict[str, int] = {}

    def _numbers(self, key: str, count: int, day_stride: int, unit_stride: int) -> np.ndarray:
        start = self._issued.get(key, 0)
        if start + count >= unit_stride:
            raise OverflowError(f"more than {unit_stride} {key} Ids in one unit")
        self._issued[key] = start + count
        base = self.day_index * day_stride + self.unit * unit_stride
        return base + start + 1 + np.arange(count, dtype=np.uint64)

    def take(self, object_name: str, count: int) -> pa.Array:
        numbers = self._numbers(object_name, count, _SF_DAY_STRIDE, _SF_UNIT_STRIDE)
        return salesforce_ids(KEY_PREFIXES[object_name], numbers)

    def take_activity(self, count: int) -> pa.Array:
        numbers = self._numbers("activity", count, _ACTIVITY_DAY_STRIDE, _ACTIVITY_UNIT_STRIDE)
        return decimal_ids(ACTIVITY_ID_PREFIX, numbers, digits=15)
