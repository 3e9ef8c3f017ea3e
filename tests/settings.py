"""Settings for the test suite: the real ones, with a test key and a fast hasher."""

import os

os.environ.setdefault("TANDEM_SECRET_KEY", "tandem-test-suite-secret-key-0123456789abcdef")
os.environ.setdefault(
    "TANDEM_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)

from tandem.settings import *  # noqa: F403

# Argon2 is what production uses (tests/accounts checks it); hashing with it in
# every fixture would only slow the suite down.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # type: ignore[assignment]  # nothing is collected in tests; whitenoise serves from the apps
