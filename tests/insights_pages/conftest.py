from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.accounts.models import User


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A test client logged in as ``user``."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
