"""Conditional GET on the API's reads: an ``ETag`` on each answer, ``304`` when it matches.

A read answer without an ETag of its own gets one made from a hash of its body,
the organisation and the person the token acts as: the same list read by someone
of another organisation (or by a colleague who sees other rows) has another tag,
so a tag never tells one caller anything about what another reads. A client that
sends the tag back in ``If-None-Match`` gets ``304 Not Modified`` with no body when
nothing it would read has changed, and the full answer with a new tag otherwise.

Single objects keep the ``ETag`` they already carry, their ``version`` (what
``If-Match`` checks before an update): they are answered in full every time.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

CONDITIONAL_METHODS = {"GET", "HEAD"}


def body_etag(*, organization_id: int, user_id: int, body: bytes) -> str:
    """A strong tag for ``body`` as read by this person of this organisation."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{organization_id}:{user_id}:".encode())
    digest.update(body)
    return f'"{digest.hexdigest()}"'


def matches(if_none_match: str, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks)."""
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def conditional(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``view`` with an ETag on its successful reads and ``If-None-Match`` answered."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if request.method not in CONDITIONAL_METHODS or response.status_code != 200:
            return response
        token = getattr(request, "auth", None)
        organization_id = getattr(token, "organization_id", None)
        user_id = getattr(token, "user_id", None)
        if organization_id is None or user_id is None:
            return response
        # Answers are the caller's own: a shared cache must not keep them, and a
        # client's copy is checked with its ETag before each use.
        response.setdefault("Cache-Control", "private, no-cache")
        patch_vary_headers(response, ["Authorization"])
        if response.has_header("ETag") or not isinstance(response, HttpResponse):
            return response
        etag = body_etag(organization_id=organization_id, user_id=user_id, body=response.content)
        response["ETag"] = etag
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and matches(if_none_match, etag):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response

    return wrapper
