"""The ``tandem`` command: Django's management commands plus Tandem's own.

``tandem serve``, ``tandem migrate``, ``tandem demo``, ``tandem createuser``, ``tandem push``
(a client of a remote server, see :mod:`tandem.client`) and every
other management command (``tandem help`` lists them).
"""

from __future__ import annotations

import os
import sys

# Words people type for commands whose Python names cannot be them: ``import`` is a
# keyword, and Django would look for a module named ``import``.
ALIASES = {"import": "importfile", "export": "exportfile", "bench-data": "bench_data"}
# The commands that answer people's requests, whose reads may go to a read replica.
SERVING = {"serve", "runserver"}


def _make_data_dir() -> None:
    """SQLite cannot create the folder its file lives in: a first ``tandem migrate`` on a
    fresh checkout needs the data directory to exist."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        data_dir = settings.DATA_DIR
    except ImproperlyConfigured:
        return  # the command reports the bad setting itself
    data_dir.mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "tandem"
    if len(args) > 1 and args[1] == "push":
        # A client of a remote server: no database, no settings needed on this machine.
        from tandem import client

        sys.exit(client.main(args[2:]))
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    if len(args) > 1 and args[1] not in SERVING:
        # Any other command reads from the primary: a script's next command must see
        # what the one before it wrote, however far a read replica lags.
        from tandem import dbrouter

        dbrouter.pin_process_to_primary()
    _make_data_dir()
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
