"""Trying an e-mail again when the mail server could not take it for now.

A mail server that is down, restarting or busy answers 4xx ("try again later") or does
not answer at all; the e-mail then waits and goes again after 1 minute, 5 minutes,
30 minutes and 2 hours (``TANDEM_MAIL_RETRY_DELAYS``), and is given up after that, with
the error kept. A 5xx answer ("no such mailbox", "relaying denied") will not change by
waiting and is given up at once.

Only a refusal is retried, never an e-mail the server may have taken: SMTP accepts a
message with its answer to the end of the data, and a failure before that answer means
nothing was delivered, so the retry cannot send a second copy.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from django.conf import settings

RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 60 * 60)


def retry_delays() -> list[int]:
    return [int(s) for s in getattr(settings, "TANDEM_MAIL_RETRY_DELAYS", RETRY_DELAYS)]


def max_attempts() -> int:
    return len(retry_delays()) + 1


def is_temporary(error: BaseException) -> bool:
    """Whether waiting may help: a 4xx answer, or a server that could not be reached."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPException):
        return False  # the server does not support what Tandem needs (STARTTLS, AUTH)
    return isinstance(error, OSError)  # refused, unreachable, timed out


def next_attempt_at(error: BaseException, *, attempt: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after attempt number ``attempt`` failed with ``error``; ``None``
    to give up."""
    delays = retry_delays()
    if not is_temporary(error) or attempt > len(delays):
        return None
    return now + dt.timedelta(seconds=delays[attempt - 1])


def describe(error: BaseException) -> str:
    """The error as the ledger and the log show it: the server's own words when it gave
    some (``451 4.3.0 Try again later``)."""
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return f"{error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {message.decode(errors='replace')}"
            for address, (code, message) in error.recipients.items()
        )
    return str(error) or repr(error)
