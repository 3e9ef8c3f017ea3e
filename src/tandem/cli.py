"""The ``tandem`` command: Django's management commands plus Tandem's own.

``tandem serve``, ``tandem migrate``, ``tandem demo``, ``tandem createuser`` and every
other management command (``tandem help`` lists them).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "tandem"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
