"""Tandem's benchmark harness, run from a checkout: ``make bench`` runs
``python -m tandem.bench.harness.run`` (see docs/benchmarks.md).

Nothing of the installed app imports it (``make lint`` checks that), and it is left out
of the built package: the management commands and the generator it drives live beside it
in ``tandem.bench``. Locust loads ``locustfile.py`` by its path, from a virtualenv of its
own without Tandem, so that file imports nothing from here.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]  # the checkout: src/tandem/bench/harness/
RESULTS = ROOT / "build" / "bench"  # where the tables go, outside the package (not committed)
