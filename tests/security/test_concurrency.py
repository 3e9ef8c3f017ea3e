"""Many people writing at once: every write is applied or refused clearly, none is lost.

Each thread has its own database connection, as each request of a real server has.
On PostgreSQL (CI) the threads reach the test database directly. The SQLite test
database is in memory, where connections share one cache and lock whole tables
instead of waiting: ``file_database`` points the threads (and the test) at a real
SQLite file for this module, migrated once, as a Tandem install runs on.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connections

from tandem.audit.models import AuditEvent
from tandem.domain import progress as maths
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, KeyResult, Objective
from tests.conftest import Cast

THREADS = 20


@pytest.fixture(scope="module")
def file_database(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path | None]:
    """On SQLite, a migrated database file for this module's tests and their threads."""
    memory = connections["default"]
    name = str(memory.settings_dict["NAME"])
    if memory.vendor != "sqlite" or not (name == ":memory:" or "mode=memory" in name):
        yield None
        return
    path = tmp_path_factory.mktemp("concurrency") / "tandem.sqlite3"
    in_memory = connections.settings["default"]
    # New threads build their connection from these settings; this thread gets one
    # too. The in-memory connection is kept aside, open: closing it would drop the
    # other tests' database.
    connections.settings["default"] = {**in_memory, "NAME": str(path)}
    on_file = connections.create_connection("default")
    connections["default"] = on_file
    try:
        with django_db_blocker.unblock():
            call_command("migrate", verbosity=0, interactive=False)
        yield path
    finally:
        on_file.close()
        connections["default"] = memory
        connections.settings["default"] = in_memory


@pytest.fixture
def concurrent_db(file_database: Path | None, transactional_db: None) -> None:
    """Committed data every thread can see (requested before ``cast``)."""


@dataclass
class Outcome:
    done: list[Any] = field(default_factory=list)
    refused: list[ValidationError] = field(default_factory=list)
    crashed: list[BaseException] = field(default_factory=list)


def at_once(calls: list[Callable[[], Any]]) -> Outcome:
    """Run every call in its own thread, released together; collect what each gave."""
    outcome = Outcome()
    lock = threading.Lock()
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            result = call()
            with lock:
                outcome.done.append(result)
        except ValidationError as e:
            with lock:
                outcome.refused.append(e)
        except BaseException as e:  # anything else is what the test reports
            with lock:
                outcome.crashed.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer never finished"
    return outcome


def check_in(cast: Cast, kr_pk: int, value: int) -> Callable[[], CheckIn]:
    def call() -> CheckIn:
        return okrs.key_result_check_in(
            key_result=KeyResult.objects.get(pk=kr_pk),
            by=cast.member,
            value=Decimal(value),
            confidence=7,
            note=f"check-in {value}",
        )

    return call


def assert_clear(outcome: Outcome) -> None:
    assert not outcome.crashed, f"writes failed without a clear refusal: {outcome.crashed!r}"
    for refusal in outcome.refused:
        assert refusal.messages, "a refusal without a message"


def assert_derived_fields_match(kr: KeyResult) -> None:
    kr.refresh_from_db()
    latest = kr.checkins.order_by("-created_at", "-id").first()
    assert latest is not None
    assert kr.current == latest.value
    assert kr.last_confidence == latest.confidence
    assert kr.last_checkin_at == latest.created_at
    assert kr.progress == kr.compute_progress()


def assert_objective_matches(objective: Objective) -> None:
    objective.refresh_from_db()
    rows = list(objective.key_results.values_list("progress", "weight"))
    expected = maths.objective_progress(maths.Weighted(progress=p, weight=w) for p, w in rows)
    assert objective.progress == expected, "the objective's progress misses a check-in"


def test_twenty_check_ins_at_once_on_one_key_result_are_each_kept_or_refused(
    concurrent_db: None, cast: Cast
) -> None:
    outcome = at_once([check_in(cast, cast.kr.pk, value) for value in range(1, THREADS + 1)])
    assert_clear(outcome)
    assert len(outcome.done) + len(outcome.refused) == THREADS
    assert outcome.done, "every check-in was refused"
    kept = CheckIn.objects.filter(key_result=cast.kr)
    assert kept.count() == len(outcome.done)
    assert sorted(c.pk for c in kept) == sorted(c.pk for c in outcome.done)
    assert AuditEvent.objects.filter(action="checkin.create").count() == len(outcome.done)
    assert_derived_fields_match(cast.kr)
    assert_objective_matches(cast.objective)


def test_check_ins_at_once_on_every_key_result_of_an_objective_all_count(
    concurrent_db: None, cast: Cast
) -> None:
    """Each check-in refreshes the objective from all of its key results: one written
    beside another must not compute the objective without the other's value."""
    krs = [cast.kr] + [
        okrs.key_result_create(
            objective=cast.objective,
            title=f"Key result {n}",
            baseline=Decimal(0),
            target=Decimal(10),
            owner=cast.member,
            by=cast.owner,
        )
        for n in range(1, 5)
    ]
    calls = [check_in(cast, krs[n % len(krs)].pk, 5 + n % 3) for n in range(THREADS)]
    outcome = at_once(calls)
    assert_clear(outcome)
    assert CheckIn.objects.filter(key_result__objective=cast.objective).count() == len(outcome.done)
    for kr in krs:
        assert_derived_fields_match(kr)
    assert_objective_matches(cast.objective)


def test_two_people_saving_the_same_version_of_an_objective_one_wins(
    concurrent_db: None, cast: Cast
) -> None:
    version = Objective.objects.get(pk=cast.objective.pk).version

    def edit(title: str, by: Any) -> Callable[[], Objective]:
        def call() -> Objective:
            return okrs.objective_update(
                objective=Objective.objects.get(pk=cast.objective.pk),
                by=by,
                version=version,
                title=title,
            )

        return call

    outcome = at_once([edit("Win the region", cast.owner), edit("Lead the region", cast.editor)])
    assert_clear(outcome)
    assert len(outcome.done) == 1
    assert len(outcome.refused) == 1
    refusal = outcome.refused[0]
    assert refusal.error_dict["version"][0].code == "conflict"
    assert "Someone else changed" in refusal.message_dict["version"][0]
    saved = Objective.objects.get(pk=cast.objective.pk)
    assert saved.title == outcome.done[0].title
    assert saved.version == version + 1
    assert AuditEvent.objects.filter(action="objective.update", target_id=saved.pk).count() == 1


def test_the_threads_write_to_a_database_they_share(
    file_database: Path | None, concurrent_db: None, cast: Cast
) -> None:
    """The guard for the tests above: a thread's write is committed where the test,
    and on SQLite any other process, reads it."""
    outcome = at_once([check_in(cast, cast.kr.pk, 42)])
    assert_clear(outcome)
    assert CheckIn.objects.filter(key_result=cast.kr, value=42).exists()
    if file_database is not None:
        with sqlite3.connect(file_database) as db:
            found = db.execute("SELECT count(*) FROM okrs_checkin WHERE note = 'check-in 42'")
            assert found.fetchone() == (1,)
