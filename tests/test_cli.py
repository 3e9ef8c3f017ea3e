"""The ``tandem`` console script: createuser, createorg and serve, in-process and for real."""

from __future__ import annotations

import fcntl
import http.cookiejar
import io
import os
import pty
import re
import select
import socket
import sqlite3
import subprocess
import sys
import termios
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tandem.accounts.models import Membership, Organization, Role, User
from tandem.audit.models import AuditEvent

TANDEM = Path(sys.executable).parent / "tandem"
PASSWORD = "correct horse battery staple"


def create(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# -- createuser, in-process -------------------------------------------------------------


def test_createuser_creates_an_account_that_logs_in_with_its_password(db):
    text = create(
        "createuser", "--email", "Nina@Example.test", "--name", "Nina Novak", "--password", PASSWORD
    )
    user = User.objects.get(email="nina@example.test")
    assert user.full_name == "Nina Novak"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert not user.memberships.exists()
    assert "Created the account nina@example.test for Nina Novak." in text


def test_createuser_with_org_and_role_adds_an_audited_membership(cast):
    text = create(
        "createuser",
        "--email",
        "pat@acme.test",
        "--name",
        "Pat Lee",
        "--password",
        PASSWORD,
        "--org",
        cast.org.slug,
        "--role",
        "editor",
        "--title",
        "Analyst",
    )
    membership = Membership.objects.get(organization=cast.org, user__email="pat@acme.test")
    assert membership.role == Role.EDITOR
    assert membership.title == "Analyst"
    event = AuditEvent.objects.get(action="membership.create", target_id=membership.pk)
    assert event.source == "cli"
    assert f"editor of {cast.org.name} ({cast.org.slug})" in text


def test_createuser_in_an_organisation_defaults_to_member(cast):
    create(
        "createuser",
        "--email",
        "max@acme.test",
        "--name",
        "Max",
        "--password",
        PASSWORD,
        "--org",
        cast.org.slug,
    )
    assert Membership.objects.get(user__email="max@acme.test").role == Role.MEMBER


def test_createuser_staff_may_use_the_admin(db):
    create(
        "createuser",
        "--email",
        "ops@example.test",
        "--name",
        "Ops",
        "--password",
        PASSWORD,
        "--staff",
    )
    user = User.objects.get(email="ops@example.test")
    assert user.is_staff
    assert user.is_superuser


def test_createuser_in_an_unknown_organisation_names_the_option_and_creates_nothing(cast):
    with pytest.raises(CommandError, match=r"--org: no organisation has the slug “nope”"):
        create(
            "createuser",
            "--email",
            "x@example.test",
            "--name",
            "X",
            "--password",
            PASSWORD,
            "--org",
            "nope",
        )
    assert not User.objects.filter(email="x@example.test").exists()


def test_createuser_with_an_unknown_role_names_the_option(cast):
    with pytest.raises(CommandError, match="--role"):
        create(
            "createuser",
            "--email",
            "x@example.test",
            "--name",
            "X",
            "--password",
            PASSWORD,
            "--org",
            cast.org.slug,
            "--role",
            "boss",
        )
    assert not User.objects.filter(email="x@example.test").exists()


def test_createuser_with_a_role_but_no_organisation_is_refused(db):
    with pytest.raises(CommandError, match="--role: say which organisation with --org"):
        create(
            "createuser",
            "--email",
            "x@example.test",
            "--name",
            "X",
            "--password",
            PASSWORD,
            "--role",
            "admin",
        )
    assert not User.objects.exists()


def test_createuser_with_a_taken_email_names_the_option_whatever_its_case(cast):
    with pytest.raises(
        CommandError, match=re.escape("--email: OLIVIA@acme.test already has an account")
    ):
        create(
            "createuser",
            "--email",
            "OLIVIA@acme.test",
            "--name",
            "Olivia Again",
            "--password",
            PASSWORD,
        )
    assert User.objects.filter(email__iexact="olivia@acme.test").count() == 1


def test_createuser_with_an_invalid_email_names_the_option(db):
    with pytest.raises(CommandError, match="--email: Enter a valid email address"):
        create("createuser", "--email", "not-an-address", "--name", "X", "--password", PASSWORD)
    assert not User.objects.exists()


def test_createuser_refuses_an_empty_password(db):
    with pytest.raises(CommandError, match="--password: the password must not be empty"):
        create("createuser", "--email", "x@example.test", "--name", "X", "--password", "  ")
    assert not User.objects.exists()


def test_createuser_refuses_a_weak_password_naming_the_option(db):
    with pytest.raises(CommandError, match="--password: This password is too common"):
        create("createuser", "--email", "x@example.test", "--name", "X", "--password", "password")
    assert not User.objects.exists()


def test_createuser_without_a_password_and_without_a_terminal_is_refused(db):
    with pytest.raises(CommandError, match="--password: give a password"):
        create("createuser", "--email", "x@example.test", "--name", "X", "--noinput")
    assert not User.objects.exists()


def test_createuser_failing_half_way_leaves_nothing_behind(cast):
    # The membership is refused after the account was written: both must roll back.
    if connection.vendor != "sqlite":
        pytest.skip("the failure is injected with an SQLite trigger")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER refuse_membership BEFORE INSERT ON accounts_membership "
            "WHEN NEW.title = 'refused' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END"
        )
    with pytest.raises(Exception, match="refused by a trigger"):
        create(
            "createuser",
            "--email",
            "half@acme.test",
            "--name",
            "Half",
            "--password",
            PASSWORD,
            "--org",
            cast.org.slug,
            "--title",
            "refused",
        )
    assert not User.objects.filter(email="half@acme.test").exists()


# -- createorg, in-process --------------------------------------------------------------


def test_createorg_creates_an_organisation_owned_by_an_existing_account(cast):
    text = create(
        "createorg",
        "--name",
        "Initech Services",
        "--timezone",
        "Europe/London",
        "--owner-email",
        "OLIVIA@acme.test",
        "--fiscal-year-start-month",
        "4",
    )
    org = Organization.objects.get(slug="initech-services")
    assert org.name == "Initech Services"
    assert org.timezone == "Europe/London"
    assert org.fiscal_year_start_month == 4
    assert Membership.objects.get(organization=org).user == cast.owner
    assert Membership.objects.get(organization=org).role == Role.OWNER
    assert AuditEvent.objects.get(organization=org, action="organization.create").source == "cli"
    assert "slug initech-services" in text


def test_createorg_for_an_unknown_owner_names_the_option(db):
    with pytest.raises(CommandError, match="--owner-email: no account has the address"):
        create("createorg", "--name", "Initech", "--owner-email", "nobody@example.test")
    assert not Organization.objects.exists()


def test_createorg_with_a_taken_slug_names_the_option(cast):
    with pytest.raises(
        CommandError, match=re.escape(f"--slug: “{cast.org.slug}” is already used by Acme")
    ):
        create(
            "createorg",
            "--name",
            "Another",
            "--slug",
            cast.org.slug,
            "--owner-email",
            cast.owner.email,
        )
    assert Organization.objects.count() == 2


def test_createorg_with_an_unknown_timezone_names_the_option(cast):
    with pytest.raises(
        CommandError, match=re.escape("--timezone: 'Mars/Olympus' is not a known time zone")
    ):
        create(
            "createorg",
            "--name",
            "Initech",
            "--timezone",
            "Mars/Olympus",
            "--owner-email",
            cast.owner.email,
        )
    assert not Organization.objects.filter(name="Initech").exists()


def test_createorg_without_a_slug_takes_a_free_one_from_the_name(cast):
    text = create("createorg", "--name", cast.org.name, "--owner-email", cast.outsider.email)
    second = Organization.objects.exclude(pk=cast.org.pk).get(name=cast.org.name)
    assert second.slug == f"{cast.org.slug}-2"
    assert f"slug {second.slug}" in text


def test_createorg_with_a_blank_name_names_the_option(cast):
    with pytest.raises(CommandError, match="--name: give the organisation a name"):
        create("createorg", "--name", "  ", "--owner-email", cast.owner.email)
    assert Organization.objects.count() == 2


def test_createuser_with_a_title_too_long_names_the_option(cast):
    with pytest.raises(CommandError, match="--title: at most 120 characters"):
        create(
            "createuser",
            "--email",
            "x@example.test",
            "--name",
            "X",
            "--password",
            PASSWORD,
            "--org",
            cast.org.slug,
            "--title",
            "Chief " * 30,
        )
    assert not User.objects.filter(email="x@example.test").exists()


def test_createorg_with_a_month_out_of_range_names_the_option(cast):
    with pytest.raises(CommandError, match="--fiscal-year-start-month"):
        create(
            "createorg",
            "--name",
            "Initech",
            "--owner-email",
            cast.owner.email,
            "--fiscal-year-start-month",
            "13",
        )


# -- serve, in-process checks before gunicorn starts ------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_names_a_port_that_is_already_in_use(db):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(
            CommandError, match=re.escape(f"--port {port}: the port is already in use")
        ):
            call_command("serve", "--port", str(port))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "--port 0: choose a port from 1 to 65535"),
        (["--port", "70000"], "--port 70000"),
        (["--workers", "0"], "--workers 0: at least one worker"),
    ],
)
def test_serve_refuses_impossible_options(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("serve", *args)


def test_serve_sizes_itself_for_the_cores():
    from tandem.web.management.commands.serve import sizing

    assert sizing(1) == (2, 8)
    assert sizing(2) == (2, 8)
    assert sizing(8) == (8, 8)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TANDEM_WEB_WORKERS", "many", "TANDEM_WEB_WORKERS='many' is not a whole number"),
        ("TANDEM_WEB_THREADS", "0", "TANDEM_WEB_THREADS=0 must be at least 1"),
    ],
)
def test_serve_names_a_bad_sizing_variable(db, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("serve", "--port", str(free_port()))


def test_serve_reads_its_sizing_from_the_environment(monkeypatch):
    from tandem.web.management.commands.serve import configured_sizing

    monkeypatch.setenv("TANDEM_WEB_WORKERS", "5")
    monkeypatch.setenv("TANDEM_WEB_THREADS", "3")
    assert configured_sizing() == (5, 3)


# -- the real console script ------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A data directory with a migrated SQLite database, made by ``tandem migrate``.

    The directory does not exist beforehand, as on a fresh checkout, and the database
    is the default one inside it (later commands name the same file in DATABASE_URL).
    """
    path = tmp_path_factory.mktemp("tandem") / "var"
    env = cli_env(path)
    del env["DATABASE_URL"]
    result = subprocess.run(
        [str(TANDEM), "migrate", "--noinput"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (path / "tandem.sqlite3").is_file()
    return path


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TANDEM_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        TANDEM_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'tandem.sqlite3'}",
        TANDEM_DEBUG="1",
    )
    env.update(extra)
    return env


def run(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TANDEM), *args],
        env=cli_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def rows(data_dir: Path, sql: str, *params: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "tandem.sqlite3") as db:
        return list(db.execute(sql, params))


def test_tandem_help_lists_tandems_own_commands(data_dir):
    result = run(data_dir, "help")
    assert result.returncode == 0, result.stderr
    for command in ("createorg", "createuser", "demo", "serve", "migrate"):
        assert re.search(rf"^\s+{command}$", result.stdout, re.MULTILINE), command


def test_console_script_creates_an_account_and_an_organisation_end_to_end(data_dir):
    first = run(
        data_dir,
        "createuser",
        "--email",
        "founder@initech.test",
        "--name",
        "Bill Lumbergh",
        "--password",
        PASSWORD,
        "--staff",
    )
    assert first.returncode == 0, first.stderr
    org = run(
        data_dir,
        "createorg",
        "--name",
        "Initech",
        "--slug",
        "initech",
        "--timezone",
        "America/Chicago",
        "--owner-email",
        "founder@initech.test",
    )
    assert org.returncode == 0, org.stderr
    second = run(
        data_dir,
        "createuser",
        "--email",
        "peter@initech.test",
        "--name",
        "Peter Gibbons",
        "--password",
        PASSWORD,
        "--org",
        "initech",
        "--role",
        "viewer",
    )
    assert second.returncode == 0, second.stderr
    assert "viewer of Initech (initech)" in second.stdout

    people = rows(
        data_dir,
        "SELECT u.email, u.is_staff, m.role, u.password FROM accounts_user u "
        "JOIN accounts_membership m ON m.user_id = u.id JOIN accounts_organization o "
        "ON o.id = m.organization_id WHERE o.slug = 'initech' ORDER BY u.email",
    )
    assert [(email, staff, role) for email, staff, role, _ in people] == [
        ("founder@initech.test", 1, "owner"),
        ("peter@initech.test", 0, "viewer"),
    ]
    # The real settings hash passwords with Argon2, not the test suite's fast hasher.
    assert all(str(hashed).startswith("argon2") for *_, hashed in people)


def test_console_script_errors_exit_non_zero_name_the_option_and_write_nothing(data_dir):
    result = run(
        data_dir,
        "createuser",
        "--email",
        "ghost@initech.test",
        "--name",
        "Ghost",
        "--password",
        PASSWORD,
        "--org",
        "no-such-org",
    )
    assert result.returncode == 1
    assert "--org: no organisation has the slug “no-such-org”" in result.stderr
    assert "Traceback" not in result.stderr
    assert (
        rows(data_dir, "SELECT id FROM accounts_user WHERE email = ?", "ghost@initech.test") == []
    )


def in_terminal(data_dir: Path, args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run ``tandem`` with a pseudo-terminal as its controlling terminal; type ``answers``."""
    leader, follower = pty.openpty()

    def take_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [str(TANDEM), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=cli_env(data_dir),
        preexec_fn=take_terminal,
        close_fds=True,
    )
    os.close(follower)
    output = b""
    answered = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(leader, 1024)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        output += chunk
        # Answer each prompt once it is on screen: getpass turns echo off and flushes
        # pending input just before it writes its prompt.
        if output.endswith(b": ") and output.count(b": ") > answered < len(answers):
            os.write(leader, answers[answered].encode() + b"\n")
            answered += 1
    else:
        process.kill()
    os.close(leader)
    return process.wait(timeout=60), output.decode(errors="replace")


def test_createuser_asks_for_the_password_twice_without_echoing_it(data_dir):
    code, output = in_terminal(
        data_dir,
        ["createuser", "--email", "milton@initech.test", "--name", "Milton Waddams"],
        ["my red stapler 1979", "my red stapler 1979"],
    )
    assert code == 0, output
    assert "Password (again):" in output
    assert "my red stapler" not in output
    assert rows(data_dir, "SELECT email FROM accounts_user WHERE email = ?", "milton@initech.test")


def test_createuser_in_a_terminal_refuses_two_different_passwords(data_dir):
    code, output = in_terminal(
        data_dir,
        ["createuser", "--email", "bob@initech.test", "--name", "Bob Slydell"],
        ["first attempt here", "second attempt here"],
    )
    assert code == 1
    assert "--password: the two passwords differ" in output
    assert (
        rows(data_dir, "SELECT email FROM accounts_user WHERE email = ?", "bob@initech.test") == []
    )


# -- tandem serve, for real -------------------------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture
def serve(data_dir: Path) -> Iterator[Callable[..., str]]:
    """Start ``tandem serve`` on a free port; yield a function that waits for a URL to answer."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(*flags: str, **extra: str) -> str:
        port = free_port()
        log = (data_dir / f"serve-{port}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [
                    str(TANDEM),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                    *flags,
                ],
                env=cli_env(data_dir, **extra),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/login/", timeout=5) as response:
                    if response.status == 200:
                        return base
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if processes[-1].poll() is not None or time.monotonic() > deadline:
                log.close()
                raise AssertionError((data_dir / f"serve-{port}.log").read_text())
            time.sleep(0.3)

    start.processes = processes  # type: ignore[attr-defined]
    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_answers_the_login_page_and_logs_in_a_person_made_by_createuser(data_dir, serve):
    made = run(
        data_dir,
        "createuser",
        "--email",
        "samir@initech.test",
        "--name",
        "Samir Nagheenanajar",
        "--password",
        PASSWORD,
    )
    assert made.returncode == 0, made.stderr
    base = serve()

    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirects)
    with browser.open(f"{base}/login/", timeout=10) as page:
        html = page.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": "samir@initech.test",
            "password": PASSWORD,
        }
    ).encode()
    with pytest.raises(urllib.error.HTTPError) as answer:
        browser.open(f"{base}/login/", data=form, timeout=10)
    assert answer.value.code == 302
    assert answer.value.headers["Location"] == "/"
    assert any(cookie.name == "sessionid" for cookie in jar)


def test_serve_outside_debug_collects_static_files_and_serves_them(data_dir, serve):
    base = serve(
        TANDEM_DEBUG="0", TANDEM_SECRET_KEY="a-long-random-test-secret-key-0123456789abcdef"
    )
    assert (data_dir / "static" / "staticfiles.json").is_file()
    with urllib.request.urlopen(f"{base}/static/tandem/tandem.css", timeout=10) as response:
        assert response.status == 200
        assert len(response.read()) > 100
        assert "max-age" in response.headers.get("Cache-Control", "")


def test_serve_takes_its_threads_from_the_environment_and_workers_from_the_flag(data_dir, serve):
    base = serve(TANDEM_WEB_THREADS="2", TANDEM_WEB_WORKERS="3")
    with urllib.request.urlopen(f"{base}/login/", timeout=10) as response:
        assert response.status == 200
    log = (data_dir / f"serve-{base.rsplit(':', 1)[1]}.log").read_text()
    assert "1 worker process(es) x 2 thread(s)" in log  # --workers 1 wins over the variable
    assert "Using worker: gthread" in log


def test_serve_with_worker_runs_background_tasks_and_stops_the_worker_with_it(data_dir, serve):
    base = serve("--with-worker")
    log = (data_dir / f"serve-{base.rsplit(':', 1)[1]}.log").read_text()
    pid = int(re.search(r"tandem worker` \(pid (\d+)\)", log).group(1))  # type: ignore[union-attr]
    enqueued = run(
        data_dir,
        "shell",
        "-c",
        "from tandem.jobs.tasks import prune_finished_tasks; "
        "print(prune_finished_tasks.enqueue(days=3650).id)",
    )
    assert enqueued.returncode == 0, enqueued.stderr
    task_id = enqueued.stdout.strip().splitlines()[-1].replace("-", "")
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        found = rows(
            data_dir,
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE replace(id, '-', '') = ?",
            task_id,
        )
        status = found[0][0] if found else None
        if status == "SUCCESSFUL":
            break
        time.sleep(0.5)
    assert status == "SUCCESSFUL"
    os.kill(pid, 0)  # the worker is alive while the server runs
    server = [p for p in serve.processes if p.poll() is None][-1]
    server.terminate()
    server.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the worker outlived the server")
