"""With TANDEM_REPLICA_DATABASE_URL set, reads go to the replica and writes to the primary.

Runs in a child process with two SQLite files: Django reads its databases once, at
start-up. Copying the primary's file over the replica's stands in for replication.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, os, shutil, sys
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction
from tandem.accounts.models import Organization

primary, replica = sys.argv[1], sys.argv[2]

def replicate():
    connections.close_all()
    shutil.copyfile(primary, replica)

call_command("migrate", verbosity=0)
replicate()
Organization.objects.create(name="Replicated Ltd", slug="replicated")
seen = {"replica_before": Organization.objects.filter(slug="replicated").exists()}
with transaction.atomic():
    seen["in_transaction"] = Organization.objects.filter(slug="replicated").exists()
replicate()
seen["replica_after"] = Organization.objects.filter(slug="replicated").exists()
seen["routers"] = settings.DATABASE_ROUTERS
seen["aliases"] = sorted(settings.DATABASES)
print(json.dumps(seen))
"""


def _run(tmp_path: Path, *, replica: bool) -> dict[str, object]:
    primary_file, replica_file = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        TANDEM_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{primary_file}",
        PYTHONPATH=str(ROOT),
    )
    env.pop("TANDEM_REPLICA_DATABASE_URL", None)
    if replica:
        env["TANDEM_REPLICA_DATABASE_URL"] = f"sqlite:///{replica_file}"
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(primary_file), str(replica_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    answer: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return answer


def test_reads_go_to_the_replica_and_writes_and_transactions_to_the_primary(tmp_path):
    seen = _run(tmp_path, replica=True)
    assert seen["routers"] == ["tandem.dbrouter.PrimaryReplicaRouter"]
    assert seen["aliases"] == ["default", "replica"]
    # Written on the primary, not yet replicated: a plain read does not see it...
    assert seen["replica_before"] is False
    # ...a read inside a transaction, on the primary, does...
    assert seen["in_transaction"] is True
    # ...and once replicated, so does the plain read.
    assert seen["replica_after"] is True


def test_without_a_replica_everything_stays_on_one_database(tmp_path):
    seen = _run(tmp_path, replica=False)
    assert seen["routers"] == []
    assert seen["aliases"] == ["default"]
    assert seen["replica_before"] is True


WRITE_ON_PRIMARY_ONLY = """
import shutil, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connections
from tandem.accounts.models import Organization

call_command("migrate", verbosity=0)
connections.close_all()
shutil.copyfile(sys.argv[1], sys.argv[2])
Organization.objects.create(name="Not Replicated Ltd", slug="not-replicated")
"""
READ = (
    "from tandem.accounts.models import Organization; "
    "print(Organization.objects.filter(slug='not-replicated').exists())"
)


def test_commands_read_from_the_primary(tmp_path):
    primary_file, replica_file = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        TANDEM_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{primary_file}",
        TANDEM_REPLICA_DATABASE_URL=f"sqlite:///{replica_file}",
        PYTHONPATH=str(ROOT),
    )

    def run(*command: str) -> str:
        completed = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        return completed.stdout.strip().splitlines()[-1]

    run(
        sys.executable,
        "-c",
        WRITE_ON_PRIMARY_ONLY + "print('ok')",
        str(primary_file),
        str(replica_file),
    )
    # A plain process reads from the replica, which has not received the row...
    run_django = f"import django; django.setup(); {READ}"
    assert run(sys.executable, "-c", run_django) == "False"
    # ...a tandem command, run right after the one that wrote, reads from the primary.
    assert run(str(Path(sys.executable).parent / "tandem"), "shell", "-c", READ) == "True"
