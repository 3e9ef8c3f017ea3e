"""Tandem's benchmark harness: ``make bench`` runs ``bench/run.py`` (see docs/benchmarks.md)."""
