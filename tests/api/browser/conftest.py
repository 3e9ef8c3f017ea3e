"""The browser tests' Chromium and log-in, for the API's pages."""

from tests.browser.conftest import browser, log_in, page  # noqa: F401
