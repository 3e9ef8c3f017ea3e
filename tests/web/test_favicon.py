"""The icon: every page links it, and ``/favicon.ico`` (which browsers ask for on their
own, on pages that do not link it too) answers without signing in."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_favicon_ico_answers_anyone_with_the_icon():
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert "max-age=86400" in response["Cache-Control"]
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content)  # type: ignore[attr-defined]
    assert body[:4] == b"\x00\x00\x01\x00"  # the ICO file's signature
    assert int.from_bytes(body[4:6], "little") == 3  # 16, 32 and 48 pixels


def test_favicon_ico_refuses_a_post():
    assert Client().post("/favicon.ico").status_code == 405


def test_the_login_page_and_a_signed_in_page_link_the_svg_icon(cast: Cast):
    client = Client()
    pages = [client.get("/login/").content.decode()]
    client.force_login(cast.member)
    pages.append(client.get("/").content.decode())
    for html in pages:
        [href] = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
        icon = client.get(href)
        assert icon.status_code == 200
        assert icon["Content-Type"] == "image/svg+xml"
        assert b"<svg" in b"".join(icon.streaming_content)  # type: ignore[attr-defined]
