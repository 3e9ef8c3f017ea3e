"""The parts of SCIM 2.0 (RFC 7643, RFC 7644) that are text to read: filters, PATCH
paths and errors. Pure Python, no Django: the views turn what is read here into
queries and service calls.

Only what identity providers send is understood: ``attr eq "value"`` (and ``ne``,
``co``, ``sw``, ``ew``, ``pr``) joined by ``and``; paths such as ``active``,
``name.givenName``, ``emails[type eq "work"].value`` and ``members[value eq "12"]``.
Anything else is refused with the error RFC 7644 names (``invalidFilter``,
``invalidPath``, ``invalidSyntax``), in a sentence naming what was not understood.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CONTENT_TYPE = "application/scim+json"

OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "pr"})


class ScimError(Exception):
    """A refusal, answered in the SCIM error schema with ``status`` and ``scimType``."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body


@dataclass(frozen=True)
class Comparison:
    """``attribute op value``: ``attribute`` is lower-cased and dotted
    (``emails.value``); ``where`` is the filter in brackets, if any
    (``emails[type eq "work"].value`` has ``where = Comparison("type", "eq", "work")``)."""

    attribute: str
    op: str
    value: Any = None
    where: Comparison | None = None


@dataclass(frozen=True)
class Path:
    """A PATCH path: ``attribute`` (lower-cased), an optional ``where`` filter in
    brackets, and an optional ``sub`` attribute after it (lower-cased)."""

    attribute: str
    where: Comparison | None = None
    sub: str | None = None
    # As the provider wrote it, for messages.
    text: str = ""

    @property
    def dotted(self) -> str:
        return f"{self.attribute}.{self.sub}" if self.sub else self.attribute


_CORE_PREFIXES = (USER_SCHEMA.lower() + ":", GROUP_SCHEMA.lower() + ":")
_NAME = r"[A-Za-z][\w$-]*"
_URN = r"urn:[\w.:-]+:"
# An attribute path: urn:…:name.sub, name[filter].sub
_ATTRIBUTE = re.compile(rf"(?P<urn>{_URN})?(?P<name>{_NAME})(?:\.(?P<sub>{_NAME}))?")


def _strip_schema(urn: str | None, name: str) -> str:
    """``name`` as the core schema names it; an extension's attribute keeps its URN."""
    if not urn:
        return name.lower()
    if urn.lower() in _CORE_PREFIXES:
        return name.lower()
    return (urn + name).lower()


class _Reader:
    """Reads a filter left to right; every refusal says where it stopped."""

    def __init__(self, text: str, *, error_type: str, what: str) -> None:
        self.text = text
        self.at = 0
        self.error_type = error_type
        self.what = what

    def fail(self, why: str) -> ScimError:
        return ScimError(400, f"The {self.what} {self.text!r} {why}", self.error_type)

    def spaces(self) -> None:
        while self.at < len(self.text) and self.text[self.at] == " ":
            self.at += 1

    def done(self) -> bool:
        self.spaces()
        return self.at >= len(self.text)

    def word(self) -> str:
        self.spaces()
        match = re.compile(r"[A-Za-z]+").match(self.text, self.at)
        if not match:
            raise self.fail(f"has no operator at position {self.at + 1}.")
        self.at = match.end()
        return match.group(0)

    def attribute(self) -> tuple[str, str | None, Comparison | None, str | None]:
        """(attribute, urn, filter in brackets, sub-attribute) at the current place."""
        self.spaces()
        urn_match = re.compile(_URN).match(self.text, self.at)
        urn = None
        if urn_match:
            # A URN ends at its last colon: the attribute name follows.
            end = self.text.rfind(":", self.at, self._attribute_end()) + 1
            urn = self.text[self.at : end]
            self.at = end
        name_match = re.compile(_NAME).match(self.text, self.at)
        if not name_match:
            raise self.fail(f"has no attribute name at position {self.at + 1}.")
        self.at = name_match.end()
        name = _strip_schema(urn, name_match.group(0))
        where = None
        if self.at < len(self.text) and self.text[self.at] == "[":
            close = self.text.find("]", self.at)
            if close < 0:
                raise self.fail("opens a bracket it does not close.")
            inner = _Reader(
                self.text[self.at + 1 : close], error_type=self.error_type, what=self.what
            )
            where = inner.comparison()
            if not inner.done():
                raise self.fail("has more than one comparison inside brackets.")
            self.at = close + 1
        sub = None
        if self.at < len(self.text) and self.text[self.at] == ".":
            sub_match = re.compile(_NAME).match(self.text, self.at + 1)
            if not sub_match:
                raise self.fail(f"has no sub-attribute after the dot at position {self.at + 1}.")
            sub = sub_match.group(0).lower()
            self.at = sub_match.end()
        return name, urn, where, sub

    def _attribute_end(self) -> int:
        end = self.at
        while end < len(self.text) and self.text[end] not in " [":
            end += 1
        return end

    def value(self) -> Any:
        self.spaces()
        if self.at < len(self.text) and self.text[self.at] == '"':
            decoder = json.JSONDecoder()
            try:
                value, end = decoder.raw_decode(self.text, self.at)
            except ValueError:
                raise self.fail(
                    f"has a string that does not end (position {self.at + 1})."
                ) from None
            self.at = end
            return value
        match = re.compile(r"true|false|null|-?\d+(?:\.\d+)?", re.IGNORECASE).match(
            self.text, self.at
        )
        if not match:
            raise self.fail(
                f"has no value at position {self.at + 1}: put strings in double quotes."
            )
        self.at = match.end()
        word = match.group(0).lower()
        if word in ("true", "false"):
            return word == "true"
        if word == "null":
            return None
        return json.loads(word)

    def comparison(self) -> Comparison:
        self.spaces()
        if re.compile(r"\(|not\s*\(", re.IGNORECASE).match(self.text, self.at):
            raise self.fail(
                "uses not or parentheses; Tandem understands comparisons joined by and."
            )
        name, _urn, where, sub = self.attribute()
        op = self.word().lower()
        if op not in OPERATORS:
            raise self.fail(
                f"uses the operator {op!r}; Tandem understands "
                + ", ".join(sorted(OPERATORS))
                + " joined by and."
            )
        value = None if op == "pr" else self.value()
        attribute = f"{name}.{sub}" if sub else name
        return Comparison(attribute=attribute, op=op, value=value, where=where)


def parse_filter(text: str) -> list[Comparison]:
    """The comparisons of ``text``, all of which must hold (``and``); ``or``, ``not``
    and parentheses are refused."""
    reader = _Reader(text.strip(), error_type="invalidFilter", what="filter")
    if not reader.text:
        raise reader.fail("is empty.")
    found = [reader.comparison()]
    while not reader.done():
        joiner = reader.word().lower()
        if joiner != "and":
            raise reader.fail(f"joins comparisons with {joiner!r}; Tandem understands only and.")
        found.append(reader.comparison())
    return found


def parse_path(text: str) -> Path:
    """A PATCH operation's path."""
    reader = _Reader(text.strip(), error_type="invalidPath", what="path")
    if not reader.text:
        raise reader.fail("is empty.")
    name, _urn, where, sub = reader.attribute()
    if not reader.done():
        raise reader.fail(f"has something after the attribute at position {reader.at + 1}.")
    return Path(attribute=name, where=where, sub=sub, text=reader.text)


def matches(comparison: Comparison, item: dict[str, Any]) -> bool:
    """Whether one value of a multi-valued attribute (``{"type": "work", …}``) matches."""
    found = None
    for key, value in item.items():
        if key.lower() == comparison.attribute:
            found = value
    if comparison.op == "pr":
        return found not in (None, "", [], {})
    left: Any = found
    right: Any = comparison.value
    if isinstance(left, str) and isinstance(right, str):
        left, right = left.lower(), right.lower()
    if comparison.op == "eq":
        return bool(left == right)
    if comparison.op == "ne":
        return bool(left != right)
    if not isinstance(left, str) or not isinstance(right, str):
        return False
    if comparison.op == "co":
        return right in left
    if comparison.op == "sw":
        return left.startswith(right)
    return left.endswith(right)


def as_bool(value: Any, attribute: str) -> bool:
    """A boolean, also as the strings some providers send ("True", "false")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(
        400, f"{attribute} must be true or false, not {json.dumps(value)}.", "invalidValue"
    )


def as_text(value: Any, attribute: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScimError(
            400, f"{attribute} must be a string, not {json.dumps(value)}.", "invalidValue"
        )
    return value


def lowered(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its keys lower-cased (SCIM attribute names ignore case)."""
    return {str(key).lower(): value for key, value in data.items()}
