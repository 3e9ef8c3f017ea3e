"""Benchmark support: a generator of large, realistic organisations (see docs/benchmarks.md)."""
