"""Reproducible measurements, each against a naive baseline in the same run: python -m benchmarks.NAME."""
