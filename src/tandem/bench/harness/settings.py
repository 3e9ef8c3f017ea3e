"""Settings for ``run.py``: the production settings, with what a test client needs.

Debug stays off (as in production: no query log, cached templates). Only two
things differ: the test client's host name is allowed, and static files are
served by name instead of through the hashed manifest, which would need a
``collectstatic`` into every throw-away data directory.
"""

import os

# A throw-away key: bench databases hold generated data only.
os.environ.setdefault("TANDEM_SECRET_KEY", "tandem-bench-only-" + "0123456789abcdef" * 3)

from tandem.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # A missing page is reported in the table; a log line per request would only
    # add noise (and time) to the measurement.
    "loggers": {"django.request": {"handlers": ["console"], "level": "CRITICAL"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Tandem's URLs and the request floor the benchmarks compare pages with.
ROOT_URLCONF = "tandem.bench.harness.urls"
