from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.accounts.models import User
from tests.conftest import Cast


@pytest.fixture
def client_for(cast: Cast) -> Callable[[User], Client]:
    """A test client logged in as one of the cast."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
