"""Two ``tandem serve`` workers over a real PostgreSQL primary and its streaming replica.

Pausing the replica's replay (``pg_wal_replay_pause()``) makes it lag for as long as a
test likes: a page that shows the state from before a change was read from the replica;
one that shows the change was read from the primary.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection

from tandem.okrs.models import CheckIn
from tests.conftest import Cast
from tests.distributed.conftest import Browser, Replica, Server

pytestmark = pytest.mark.django_db(transaction=True)


def rename_on_primary(cast: Cast, title: str) -> None:
    """Change the objective behind Tandem's back, straight on the primary."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE okrs_objective SET title = %s WHERE id = %s", [title, cast.objective.pk]
        )


@pytest.fixture
def app(tandem_server, replica: Replica) -> Server:
    return tandem_server(
        TANDEM_REPLICA_DATABASE_URL=replica.url,
        TANDEM_REPLICA_PIN_SECONDS="60",
        TANDEM_REPLICA_RETRY_SECONDS="1",
    )


def test_reads_go_to_the_replica_and_pages_work_while_it_lags(cast: Cast, replica, app):
    browser = Browser()
    browser.log_in(app.base, cast.member.email)
    browser.forget("tandem_primary")  # as if the sign-in were minutes ago
    page = f"{app.base}/objectives/{cast.objective.pk}/"
    assert cast.objective.title in browser.get(page).text

    replica.pause()
    rename_on_primary(cast, "Renamed while the replica lags")
    lagging = browser.get(page)
    # Served, from the replica, which has not replayed the change yet.
    assert lagging.status_code == 200
    assert cast.objective.title in lagging.text
    assert "Renamed while the replica lags" not in lagging.text
    assert replica.query("SELECT title FROM okrs_objective WHERE id = %s", cast.objective.pk) == [
        (cast.objective.title,)
    ]

    replica.resume()
    replica.catch_up()
    assert "Renamed while the replica lags" in browser.get(page).text


def test_a_person_reads_their_own_check_in_at_once_while_the_replica_lags(cast: Cast, replica, app):
    browser = Browser()
    browser.log_in(app.base, cast.member.email)
    page = f"{app.base}/objectives/{cast.objective.pk}/"
    browser.forget("tandem_primary")
    token = browser.token(page)
    colleague = Browser()
    colleague.log_in(app.base, cast.editor.email)
    colleague.forget("tandem_primary")
    replica.pause()

    answer = browser.post(
        f"{app.base}/key-results/{cast.kr.pk}/check-in/",
        {"value": "42", "confidence": "7", "note": "Read back at once"},
        token=token,
    )
    assert answer.status_code == 302
    assert "tandem_primary" in answer.headers["set-cookie"]
    # The check-in is on the primary, not yet on the replica...
    assert CheckIn.objects.filter(key_result=cast.kr, note="Read back at once").count() == 1
    assert replica.query("SELECT count(*) FROM okrs_checkin WHERE note = 'Read back at once'") == [
        (0,)
    ]
    # ...and the page its author comes back to shows it: the write pinned them to the primary.
    assert "Read back at once" in browser.get(page).text
    # Someone else, who wrote nothing, reads the lagging replica meanwhile.
    assert "Read back at once" not in colleague.get(page).text
    # Once the pin expires the author reads the replica too.
    browser.forget("tandem_primary")
    assert "Read back at once" not in browser.get(page).text

    replica.resume()
    replica.catch_up()
    assert "Read back at once" in colleague.get(page).text


def test_with_the_replica_down_pages_read_the_primary_and_the_log_says_so(cast: Cast, replica, app):
    browser = Browser()
    browser.log_in(app.base, cast.member.email)
    browser.forget("tandem_primary")
    page = f"{app.base}/objectives/{cast.objective.pk}/"
    # Both server processes hold a replica connection from a few reads.
    for _ in range(6):
        assert browser.get(page).status_code == 200

    replica.stop()
    rename_on_primary(cast, "Written with the replica down")
    for _ in range(6):  # each server process finds out on its own
        answer = browser.get(page)
        assert answer.status_code == 200
        assert "Written with the replica down" in answer.text
    assert "The read replica is unreachable" in app.log_text()

    replica.start()
    replica.catch_up()
    # After TANDEM_REPLICA_RETRY_SECONDS the replica is read again (each server thread whose
    # old connection broke finds out once more, and answers from the primary that time):
    # the page soon shows the lagging replica's state.
    replica.pause()
    rename_on_primary(cast, "Only on the primary")
    deadline = time.monotonic() + 20
    while True:
        answer = browser.get(page)
        assert answer.status_code == 200
        if "Only on the primary" not in answer.text:
            assert "Written with the replica down" in answer.text
            break
        assert time.monotonic() < deadline, "the replica was not read again"
        time.sleep(0.2)
