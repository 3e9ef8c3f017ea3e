"""Reading SCIM filters and PATCH paths (tandem.scim.protocol: no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.scim.protocol import (
    Comparison,
    Path,
    ScimError,
    as_bool,
    matches,
    parse_filter,
    parse_path,
)


def test_the_filters_providers_send() -> None:
    assert parse_filter('userName eq "ada@acme.test"') == [
        Comparison("username", "eq", "ada@acme.test")
    ]
    assert parse_filter('externalId eq "00u1"') == [Comparison("externalid", "eq", "00u1")]
    assert parse_filter('emails[type eq "work"].value eq "a@b.test"') == [
        Comparison("emails.value", "eq", "a@b.test", where=Comparison("type", "eq", "work"))
    ]
    assert parse_filter(
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x" and active eq true'
    ) == [Comparison("username", "eq", "x"), Comparison("active", "eq", True)]
    assert parse_filter("title pr") == [Comparison("title", "pr")]
    assert parse_filter(r'displayName eq "Say \"hi\""') == [
        Comparison("displayname", "eq", 'Say "hi"')
    ]


def test_the_paths_providers_send() -> None:
    assert parse_path("active") == Path("active", text="active")
    assert parse_path("name.givenName") == Path("name", sub="givenname", text="name.givenName")
    assert parse_path('members[value eq "12"]').where == Comparison("value", "eq", "12")
    emails = parse_path('emails[type eq "work"].value')
    assert (emails.attribute, emails.sub) == ("emails", "value")
    enterprise = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
    assert enterprise.attribute == (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department"
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('userName gt "a"', "operator 'gt'"),
        ('a eq "1" or b eq "2"', "only and"),
        ('not (a eq "1")', "not or parentheses"),
        ('(a eq "1")', "not or parentheses"),
        ("userName eq", "no value"),
        ('userName eq "open', "does not end"),
        ('emails[type eq "work".value eq "x"', "does not close"),
        ("", "is empty"),
    ],
)
def test_filters_not_understood_say_why(text: str, words: str) -> None:
    with pytest.raises(ScimError) as caught:
        parse_filter(text)
    assert caught.value.status == 400
    assert caught.value.scim_type == "invalidFilter"
    assert words in caught.value.detail


@given(st.text(max_size=60))
def test_any_filter_is_read_or_refused_as_a_scim_error(text: str) -> None:
    try:
        found = parse_filter(text)
    except ScimError as exc:
        kind = exc.scim_type
        assert kind == "invalidFilter"
    else:
        assert found
        assert all(c.op in {"eq", "ne", "co", "sw", "ew", "pr"} for c in found)


@given(st.text(max_size=60))
def test_any_path_is_read_or_refused_as_a_scim_error(text: str) -> None:
    try:
        parse_path(text)
    except ScimError as exc:
        kind = exc.scim_type
        assert kind == "invalidPath"


def test_matches_compares_strings_without_case() -> None:
    assert matches(Comparison("type", "eq", "WORK"), {"type": "work"})
    assert not matches(Comparison("type", "eq", "home"), {"type": "work"})
    assert matches(Comparison("primary", "eq", True), {"primary": True})
    assert matches(Comparison("value", "sw", "ad"), {"value": "Ada"})
    assert not matches(Comparison("value", "pr"), {"value": ""})


def test_booleans_also_as_the_strings_entra_sends() -> None:
    assert as_bool("False", "active") is False
    assert as_bool(True, "active") is True
    with pytest.raises(ScimError, match="active must be true or false"):
        as_bool("no", "active")
