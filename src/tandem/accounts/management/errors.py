"""Turn a service's ``ValidationError`` into a ``CommandError`` that names the option to fix."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def command_error(exc: ValidationError, options: Mapping[str, str]) -> CommandError:
    """``options`` maps a service field (``email``) to the option that sets it (``--email``)."""
    if not hasattr(exc, "error_dict"):
        return CommandError(" ".join(exc.messages))
    parts = []
    for field, messages in exc.message_dict.items():
        text = " ".join(messages)
        option = options.get(field)
        parts.append(f"{option}: {text}" if option else text)
    return CommandError("\n".join(parts))
