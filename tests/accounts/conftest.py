"""Helpers of the people, invitation and password tests: clients, the worker, mail links."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.test import Client

from tandem.accounts.models import User
from tests.conftest import Cast, Mailbox


@pytest.fixture
def client_for(cast: Cast) -> Callable[[User], Client]:
    """A test client logged in as one of the cast."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def run_worker() -> str:
    """Run what the queue holds, as ``tandem worker --once`` does in production."""
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def link_in(message: EmailMessage, base_url: str = "http://tandem.test") -> str:
    """The path of the one Tandem link in the plain-text part of ``message``."""
    links = re.findall(re.escape(base_url) + r"(/\S+)", Mailbox.text(message))
    assert len(set(links)) == 1, links
    return links[0]


@pytest.fixture
def base_url(settings) -> str:
    settings.TANDEM_BASE_URL = "http://tandem.test"
    return "http://tandem.test"
