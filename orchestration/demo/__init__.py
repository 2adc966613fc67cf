"""Demo and scale data: a complete, clean landing folder with planted truths (see README.md)."""

from orchestration.demo.generator import DEMO_ACTIVITY_ROWS, GenerationReport, generate_landing
from orchestration.demo.next_day import generate_next_day

__all__ = ["DEMO_ACTIVITY_ROWS", "GenerationReport", "generate_landing", "generate_next_day"]
