"""Benchmarks (docs/benchmarks.md): the generator of large, realistic organisations and the
forecast backtests, which the installed tandem runs as commands, and ``harness/``, the timing
harness ``make bench`` runs from a checkout."""
