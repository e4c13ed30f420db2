"""Benchmark scripts: run with ``python -m benchmarks.<name>``; each prints its figures."""
