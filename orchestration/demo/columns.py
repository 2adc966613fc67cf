"""Typed Arrow columns from numpy arrays, and their text form for CSV files.

Times travel through the generator as int64 seconds since 1970-01-01 UTC, dates as int days
since then. Money is whole dollars. Text formatting is done with numpy digit arithmetic, which
is ~20x faster than strftime and keeps the output exact: `2026-09-30T14:05:00Z`, `2026-09-30`,
`1234.00`, `true`/`false`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SECONDS_PER_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

TIMESTAMP = pa.timestamp("s", tz="UTC")
MONEY = pa.decimal128(18, 2)


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return d.toordinal() - _EPOCH_ORDINAL


def from_day_number(day: int) -> date:
    return date.fromordinal(int(day) + _EPOCH_ORDINAL)


def _mask(valid: np.ndarray | None) -> np.ndarray | None:
    return None if valid is None else ~np.asarray(valid, dtype=bool)


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype=np.int64), type=TIMESTAMP, mask=_mask(valid))


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=_mask(valid))


def money(dollars: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    whole = pa.array(np.asarray(dollars, dtype=np.int64), mask=_mask(valid))
    return whole.cast(pa.decimal128(19, 0)).cast(MONEY)


def integers(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=_mask(valid))


def booleans(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool))


def constant(value: str | None, length: int) -> pa.Array:
    if value is None:
        return pa.nulls(length, type=pa.string())
    return pa.repeat(pa.scalar(value, pa.string()), length)


def pick(choices: Sequence[str | None], index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """choices[index], null where `valid` is False or the choice is None."""
    index = np.asarray(index, dtype=np.int64)
    taken = pc.take(pa.array(list(choices), type=pa.string()), pa.array(index))
    if valid is not None:
        taken = pc.if_else(pa.array(np.asarray(valid, dtype=bool)), taken, pa.scalar(None, pa.string()))
    return taken


def take(values: pa.Array, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """values[index]; null where `valid` is False (index there may be anything, e.g. -1)."""
    index = np.asarray(index, dtype=np.int64)
    if valid is None:
        return pc.take(values, pa.array(index))
    valid = np.asarray(valid, dtype=bool)
    return pc.take(values, pa.array(np.where(valid, index, 0), mask=~valid))


def join(*parts: pa.Array | str, separator: str = "") -> pa.Array:
    """Element-wise concatenation; a null part makes the result null."""
    return pc.binary_join_element_wise(*parts, separator)


# -- Text form -------------------------------------------------------------------------------------


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """H. Hinnant's civil_from_days, vectorised."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of day numbers, through a table of the days spanned."""
    days = np.asarray(days, dtype=np.int64)
    if days.size == 0:
        return days.copy(), days.copy(), days.copy()
    first = int(days.min())
    span = np.arange(first, int(days.max()) + 1, dtype=np.int64)
    if len(span) > 4 * len(days):
        return _civil(days)
    year, month, day = _civil(span)
    pos = days - first
    return year[pos], month[pos], day[pos]


def _put(matrix: np.ndarray, column: int, value: np.ndarray, width: int) -> None:
    rest = value.copy()
    for position in range(column + width - 1, column - 1, -1):
        matrix[:, position] = ord("0") + (rest % 10)
        rest //= 10


def _date_matrix(days: np.ndarray, width: int) -> np.ndarray:
    year, month, day = civil_from_days(days)
    out = np.empty((len(days), width), dtype=np.uint8)
    _put(out, 0, year, 4)
    out[:, 4] = ord("-")
    _put(out, 5, month, 2)
    out[:, 7] = ord("-")
    _put(out, 8, day, 2)
    return out


def fixed_width_strings(matrix: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A string array from an (n, width) uint8 matrix of ASCII, without copying or validating."""
    n, width = matrix.shape
    data = pa.py_buffer(np.ascontiguousarray(matrix, dtype=np.uint8))
    offsets = pa.py_buffer(np.arange(0, (n + 1) * width, width, dtype=np.int32))
    if valid is None or valid.all():
        return pa.Array.from_buffers(pa.string(), n, [None, offsets, data])
    bitmap = pa.array(np.asarray(valid, dtype=bool)).buffers()[1]
    return pa.Array.from_buffers(pa.string(), n, [bitmap, offsets, data], null_count=int((~valid).sum()))


_strings = fixed_width_strings


def _values_and_validity(array: pa.Array, as_type: pa.DataType) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    valid = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    values = pc.fill_null(array.cast(as_type), 0).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.int64), valid


def iso_timestamp_text(array: pa.Array) -> pa.Array:
    """timestamp[s] -> `YYYY-MM-DDTHH:MM:SSZ` strings."""
    seconds, valid = _values_and_validity(array.cast(TIMESTAMP), pa.int64())
    days = np.floor_divide(seconds, SECONDS_PER_DAY)
    second_of_day = seconds - days * SECONDS_PER_DAY
    out = np.empty((len(seconds), 20), dtype=np.uint8)
    out[:, :10] = _date_matrix(days, 10)
    out[:, 10] = ord("T")
    _put(out, 11, second_of_day // 3600, 2)
    out[:, 13] = ord(":")
    _put(out, 14, (second_of_day // 60) % 60, 2)
    out[:, 16] = ord(":")
    _put(out, 17, second_of_day % 60, 2)
    out[:, 19] = ord("Z")
    return _strings(out, valid)


def iso_date_text(array: pa.Array) -> pa.Array:
    days, valid = _values_and_validity(array, pa.int32())
    return _strings(_date_matrix(days, 10), valid)


def as_text(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The CSV text of a typed column (null stays null: an empty field)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_timestamp(array.type):
        return iso_timestamp_text(array)
    if pa.types.is_date(array.type):
        return iso_date_text(array)
    if pa.types.is_floating(array.type):
        raise TypeError("floating-point columns are not written to CSV: use integers or money")
    return array.cast(pa.string())
