"""Reproducible speed and memory measurements (not tests): ``python -m benchmarks``."""
