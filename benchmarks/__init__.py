"""Measurement scripts, runnable from the repository root (`python -m benchmarks.<name>`)."""
