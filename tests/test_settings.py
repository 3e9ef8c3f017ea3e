"""Settings come from the environment and refuse nonsense at start-up.

``tandem.settings`` runs in a subprocess with a controlled environment, as a deployment
would start it; the ``tandem.conf`` helpers are tested directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tandem.conf import env_bool, env_int, env_list, env_path, env_str

SRC = Path(__file__).resolve().parents[1] / "src"
GOOD_KEY = "k" * 16 + "-production-secret-0123456789"
DUMP = (
    "import json, tandem.settings as s; "
    "db = s.DATABASES['default']; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': db['ENGINE'], 'name': str(db['NAME']), "
    "'host': db.get('HOST'), 'hosts': s.ALLOWED_HOSTS, 'data_dir': str(s.DATA_DIR), "
    "'secure_cookies': getattr(s, 'SESSION_COOKIE_SECURE', False)}))"
)


def start(tmp_path: Path, code: str = DUMP, **env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh Python with only ``env`` (plus PATH and PYTHONPATH)."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(SRC)}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_of(tmp_path: Path, **env: str) -> dict:
    result = start(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refusal(tmp_path: Path, **env: str) -> str:
    """The last line of the error a start-up with ``env`` fails with."""
    result = start(tmp_path, **env)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr.strip().splitlines()[-1]


# -- the secret key ---------------------------------------------------------------------


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    assert "TANDEM_SECRET_KEY" in refusal(tmp_path)


def test_production_with_an_empty_secret_key_refuses_to_start(tmp_path):
    assert "TANDEM_SECRET_KEY" in refusal(tmp_path, TANDEM_SECRET_KEY="  ")


def test_production_refuses_the_development_key(tmp_path):
    message = refusal(tmp_path, TANDEM_SECRET_KEY="tandem-development-only-never-use-in-production")
    assert "TANDEM_SECRET_KEY" in message
    assert "development key" in message


def test_production_refuses_a_short_key(tmp_path):
    message = refusal(tmp_path, TANDEM_SECRET_KEY="short-but-not-empty")
    assert "TANDEM_SECRET_KEY" in message
    assert "32 characters" in message


@pytest.mark.parametrize("off", ["0", "false", "off", "no", ""])
def test_production_starts_with_a_long_key(tmp_path, off):
    found = settings_of(tmp_path, TANDEM_SECRET_KEY=GOOD_KEY, TANDEM_DEBUG=off)
    assert found["debug"] is False


def test_development_mode_starts_without_a_key(tmp_path):
    assert settings_of(tmp_path, TANDEM_DEBUG="1")["debug"] is True


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_a_debug_flag_that_is_not_a_boolean_is_refused_naming_it(tmp_path, value):
    message = refusal(tmp_path, TANDEM_DEBUG=value, TANDEM_SECRET_KEY=GOOD_KEY)
    assert "TANDEM_DEBUG" in message
    assert repr(value) in message


# -- the database -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["mysql://tandem:pw@db.example/tandem", "oracle://u:p@h/x"])
def test_an_unsupported_database_is_refused(tmp_path, url):
    message = refusal(tmp_path, TANDEM_DEBUG="1", DATABASE_URL=url)
    assert "DATABASE_URL" in message
    assert "SQLite and PostgreSQL" in message


@pytest.mark.parametrize("url", ["nonsense", "postgres://tandem:pw@db:port/tandem", "http://x/y"])
def test_a_database_url_that_is_not_one_is_refused_clearly(tmp_path, url):
    message = refusal(tmp_path, TANDEM_DEBUG="1", DATABASE_URL=url)
    assert "DATABASE_URL" in message
    assert "postgres://user:password@host" in message


def test_a_postgres_url_without_a_database_name_is_refused(tmp_path):
    message = refusal(tmp_path, TANDEM_DEBUG="1", DATABASE_URL="postgres://db.example")
    assert "names no database" in message


def test_the_database_password_never_appears_in_an_error(tmp_path):
    for url in ("mysql://tandem:hunter2@db/tandem", "postgres://tandem:hunter2@db:x/tandem"):
        result = start(tmp_path, TANDEM_DEBUG="1", DATABASE_URL=url)
        assert result.returncode != 0
        assert "hunter2" not in result.stderr


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_postgres_url_selects_postgresql(tmp_path, scheme):
    found = settings_of(
        tmp_path,
        TANDEM_SECRET_KEY=GOOD_KEY,
        DATABASE_URL=f"{scheme}://tandem:secret@db.example:5432/tandem",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert (found["name"], found["host"]) == ("tandem", "db.example")


def test_the_default_database_is_sqlite_in_the_data_dir(tmp_path):
    data = tmp_path / "not" / "yet" / "there"
    found = settings_of(tmp_path, TANDEM_DEBUG="1", TANDEM_DATA_DIR=str(data))
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(data / "tandem.sqlite3")
    assert data.is_dir()  # SQLite creates files, not folders


def test_without_a_data_dir_the_data_lives_in_var_of_the_working_directory(tmp_path):
    found = settings_of(tmp_path, TANDEM_DEBUG="1")
    assert found["data_dir"] == str(tmp_path.resolve() / "var")
    assert found["name"] == str(tmp_path.resolve() / "var" / "tandem.sqlite3")


def test_an_empty_database_url_means_the_default(tmp_path):
    found = settings_of(tmp_path, TANDEM_DEBUG="1", DATABASE_URL="")
    assert found["engine"] == "django.db.backends.sqlite3"


SQLITE_PROBE = """
import json, os, sqlite3
os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
import django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    pragmas = {
        name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys")
    }
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (id integer)")
# An IMMEDIATE transaction holds the write lock from its first statement, before it
# writes anything: a second writer is turned away at once.
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM probe")
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        second_writer = "got in"
    except sqlite3.OperationalError as exc:
        second_writer = str(exc)
    other.close()
print(json.dumps({
    **pragmas,
    "second_writer": second_writer,
    "file": connection.settings_dict["NAME"],
}))
"""


def test_sqlite_runs_with_wal_full_sync_foreign_keys_and_immediate_transactions(tmp_path):
    result = start(tmp_path, SQLITE_PROBE, TANDEM_DEBUG="1", TANDEM_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["journal_mode"] == "wal"
    assert found["synchronous"] == 2  # FULL
    assert found["foreign_keys"] == 1
    assert found["second_writer"] == "database is locked"
    assert found["file"] == str(tmp_path / "data" / "tandem.sqlite3")


# -- other settings ---------------------------------------------------------------------


def test_allowed_hosts_are_read_from_a_comma_separated_list(tmp_path):
    found = settings_of(
        tmp_path, TANDEM_DEBUG="1", TANDEM_ALLOWED_HOSTS=" okr.example.com , tandem.internal"
    )
    assert found["hosts"] == ["okr.example.com", "tandem.internal"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TANDEM_ALLOWED_HOSTS", "a.example,,b.example"),
        ("TANDEM_SESSION_AGE_SECONDS", "10"),
        ("TANDEM_SESSION_AGE_SECONDS", "a fortnight"),
        ("TANDEM_LOG_LEVEL", "verbose"),
        ("TANDEM_HTTPS", "sure"),
    ],
)
def test_other_bad_values_are_refused_naming_the_variable(tmp_path, variable, value):
    assert variable in refusal(tmp_path, TANDEM_DEBUG="1", **{variable: value})


def test_a_data_dir_that_is_a_file_is_refused(tmp_path):
    taken = tmp_path / "a-file"
    taken.write_text("not a folder")
    assert "TANDEM_DATA_DIR" in refusal(tmp_path, TANDEM_DEBUG="1", TANDEM_DATA_DIR=str(taken))


def test_https_mode_makes_cookies_secure(tmp_path):
    assert settings_of(tmp_path, TANDEM_DEBUG="1", TANDEM_HTTPS="on")["secure_cookies"] is True
    assert settings_of(tmp_path, TANDEM_DEBUG="1")["secure_cookies"] is False


# -- the helpers ------------------------------------------------------------------------

VARIABLE = "TANDEM_TEST_VARIABLE"


@pytest.fixture
def unset(monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    return monkeypatch


def test_env_str_reads_and_trims_a_value(unset):
    unset.setenv(VARIABLE, "  hello ")
    assert env_str(VARIABLE) == "hello"


def test_env_str_falls_back_to_its_default_when_unset_or_blank(unset):
    assert env_str(VARIABLE, "fallback") == "fallback"
    unset.setenv(VARIABLE, "   ")
    assert env_str(VARIABLE, "fallback") == "fallback"


def test_env_str_without_default_requires_the_variable(unset):
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE} must be set"):
        env_str(VARIABLE)
    unset.setenv(VARIABLE, "")
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE} must be set"):
        env_str(VARIABLE)


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on", "On"])
def test_env_bool_reads_true(unset, value):
    unset.setenv(VARIABLE, value)
    assert env_bool(VARIABLE, default=False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", " no", "off"])
def test_env_bool_reads_false(unset, value):
    unset.setenv(VARIABLE, value)
    assert env_bool(VARIABLE, default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_or_blank_is_the_default(unset, default):
    assert env_bool(VARIABLE, default=default) is default
    unset.setenv(VARIABLE, " ")
    assert env_bool(VARIABLE, default=default) is default


@pytest.mark.parametrize("value", ["maybe", "2", "y", "enabled"])
def test_env_bool_refuses_anything_else_naming_the_variable_and_choices(unset, value):
    unset.setenv(VARIABLE, value)
    with pytest.raises(ImproperlyConfigured) as exc:
        env_bool(VARIABLE)
    message = str(exc.value)
    assert f"{VARIABLE}={value!r} is not a boolean" in message
    assert "'true'" in message
    assert "''" not in message


def test_env_int_reads_a_whole_number(unset):
    unset.setenv(VARIABLE, " 42 ")
    assert env_int(VARIABLE, 7) == 42
    unset.setenv(VARIABLE, "-3")
    assert env_int(VARIABLE, 7) == -3


def test_env_int_unset_or_blank_is_the_default(unset):
    assert env_int(VARIABLE, 7) == 7
    unset.setenv(VARIABLE, "")
    assert env_int(VARIABLE, 7) == 7


@pytest.mark.parametrize("value", ["4.5", "ten", "1e3", "0x10"])
def test_env_int_refuses_what_is_not_a_whole_number(unset, value):
    unset.setenv(VARIABLE, value)
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE}=.* is not a whole number"):
        env_int(VARIABLE, 7)


def test_env_int_enforces_its_minimum(unset):
    unset.setenv(VARIABLE, "299")
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE}=299 must be at least 300"):
        env_int(VARIABLE, 600, minimum=300)
    unset.setenv(VARIABLE, "300")
    assert env_int(VARIABLE, 600, minimum=300) == 300


def test_env_list_splits_on_commas_and_trims(unset):
    unset.setenv(VARIABLE, "a.example, b.example ,c")
    assert env_list(VARIABLE, []) == ["a.example", "b.example", "c"]


def test_env_list_unset_or_blank_is_the_default(unset):
    assert env_list(VARIABLE, ["x"]) == ["x"]
    unset.setenv(VARIABLE, "  ")
    assert env_list(VARIABLE, ["x"]) == ["x"]


@pytest.mark.parametrize("value", ["a,,b", "a,", ",a", "a, ,b"])
def test_env_list_refuses_an_empty_entry(unset, value):
    unset.setenv(VARIABLE, value)
    with pytest.raises(ImproperlyConfigured, match=f"{VARIABLE}=.* has an empty entry"):
        env_list(VARIABLE, [])


def test_env_path_resolves_the_given_folder(unset, tmp_path):
    unset.setenv(VARIABLE, str(tmp_path / "data" / ".." / "data"))
    assert env_path(VARIABLE, Path("/nowhere")) == (tmp_path / "data").resolve()


def test_env_path_expands_the_home_folder(unset, tmp_path):
    unset.setenv("HOME", str(tmp_path))
    unset.setenv(VARIABLE, "~/tandem")
    assert env_path(VARIABLE, Path("/nowhere")) == (tmp_path / "tandem").resolve()


def test_env_path_unset_or_blank_is_the_default(unset, tmp_path):
    assert env_path(VARIABLE, tmp_path / "var") == (tmp_path / "var").resolve()
    unset.setenv(VARIABLE, "")
    assert env_path(VARIABLE, tmp_path / "var") == (tmp_path / "var").resolve()


def test_env_path_refuses_a_file(unset, tmp_path):
    taken = tmp_path / "file.txt"
    taken.write_text("")
    unset.setenv(VARIABLE, str(taken))
    with pytest.raises(ImproperlyConfigured, match="exists and is not a directory"):
        env_path(VARIABLE, tmp_path)


# -- scale-out: the Redis queue and the replica ---------------------------------------------


def test_the_redis_queue_needs_a_redis_url(tmp_path):
    assert "TANDEM_TASKS_BACKEND=rq needs TANDEM_REDIS_URL" in refusal(
        tmp_path, TANDEM_DEBUG="1", TANDEM_TASKS_BACKEND="rq"
    )
    assert "needs TANDEM_REDIS_URL" in refusal(
        tmp_path, TANDEM_DEBUG="1", TANDEM_TASKS_BACKEND="rq", TANDEM_REDIS_URL="127.0.0.1:6379"
    )


def test_the_redis_queue_gives_every_tandem_queue_to_redis(tmp_path):
    code = (
        "import json, tandem.settings as s; print(json.dumps({'backend': "
        "s.TASKS['default']['BACKEND'], 'queues': s.RQ_QUEUES, 'rq': 'django_rq' in "
        "s.INSTALLED_APPS}))"
    )
    result = start(
        tmp_path,
        code,
        TANDEM_DEBUG="1",
        TANDEM_TASKS_BACKEND="rq",
        TANDEM_REDIS_URL="redis://cache.internal:6379/2",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["backend"] == "tandem.jobs.rqbackend.RQBackend"
    assert seen["rq"] is True
    assert sorted(seen["queues"]) == ["default", "mail", "pulls", "webhooks"]
    assert {q["URL"] for q in seen["queues"].values()} == {"redis://cache.internal:6379/2"}


def test_a_postgresql_replica_gives_up_connecting_quickly_and_pins_writers(tmp_path):
    code = (
        "import json, tandem.settings as s; print(json.dumps({'replica': "
        "s.DATABASES['replica']['OPTIONS'], 'first': s.MIDDLEWARE[0], 'routers': "
        "s.DATABASE_ROUTERS, 'pin': s.TANDEM_REPLICA_PIN_SECONDS}))"
    )
    result = start(
        tmp_path,
        code,
        TANDEM_DEBUG="1",
        DATABASE_URL="postgres://tandem@primary.internal/tandem",
        TANDEM_REPLICA_DATABASE_URL="postgres://tandem@replica.internal/tandem",
        TANDEM_REPLICA_PIN_SECONDS="8",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["replica"]["connect_timeout"] == 2
    assert seen["first"] == "tandem.dbrouter.ReplicaMiddleware"
    assert seen["routers"] == ["tandem.dbrouter.PrimaryReplicaRouter"]
    assert seen["pin"] == 8
