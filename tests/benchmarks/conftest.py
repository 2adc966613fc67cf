"""`benchmarks/` sits at the project root and is not installed like `orchestration`: put the
root on the path so the tests import it (and not this folder of the same name)."""

from __future__ import annotations

import sys

from orchestration import config

if str(config.PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(config.PROJECT_ROOT))
