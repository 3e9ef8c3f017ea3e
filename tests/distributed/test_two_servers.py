"""Two ``tandem serve`` processes on two ports over one PostgreSQL, as behind a load balancer.

A person signs in on one and carries on on the other with the same cookies; people
check in on both at once. Nothing is lost, and every session and CSRF token made by one
server is good on the other.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tandem.okrs.models import CheckIn
from tests.conftest import Cast
from tests.distributed.conftest import Browser

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_session_and_its_csrf_token_from_one_server_work_on_the_other(cast: Cast, tandem_server):
    first, second = tandem_server(), tandem_server()
    browser = Browser()
    browser.log_in(first.base, cast.member.email)
    page = f"/objectives/{cast.objective.pk}/"
    # Signed in on the first, known on the second.
    on_second = browser.get(second.base + page)
    assert on_second.status_code == 200
    assert cast.objective.title in on_second.text
    # A form drawn by the first server, posted to the second.
    token = browser.token(first.base + page)
    answer = browser.post(
        f"{second.base}/key-results/{cast.kr.pk}/check-in/",
        {"value": "12", "confidence": "6", "note": "Posted across servers"},
        token=token,
    )
    assert answer.status_code == 302
    assert CheckIn.objects.filter(note="Posted across servers", author=cast.member).count() == 1
    # A forged token is refused by both.
    for server in (first, second):
        refused = browser.post(
            f"{server.base}/key-results/{cast.kr.pk}/check-in/",
            {"value": "13", "confidence": "6", "note": "Forged"},
            token="x" * 64,
        )
        assert refused.status_code == 403
    assert not CheckIn.objects.filter(note="Forged").exists()
    # Signing out on the second ends the session on the first too.
    browser.post(f"{second.base}/logout/", {}, token=browser.token(second.base + page))
    assert browser.get(first.base + page).status_code == 302


def test_check_ins_posted_to_both_servers_at_once_are_all_kept(cast: Cast, tandem_server):
    servers = [tandem_server(), tandem_server()]
    people = [cast.member, cast.editor, cast.owner, cast.admin]
    browsers = []
    for index, person in enumerate(people):
        browser = Browser()
        browser.log_in(servers[index % 2].base, person.email)
        browsers.append(browser)
    page = f"/objectives/{cast.objective.pk}/"
    tokens = [b.token(servers[i % 2].base + page) for i, b in enumerate(browsers)]
    per_person = 10

    def check_in(job: tuple[int, int]) -> int:
        person, n = job
        # Each person alternates between the servers, with the token the first one gave.
        server = servers[(person + n) % 2]
        answer = browsers[person].post(
            f"{server.base}/key-results/{cast.kr.pk}/check-in/",
            {"value": str(n), "confidence": "5", "note": f"p{person}-n{n}"},
            token=tokens[person],
        )
        return answer.status_code

    jobs = [(p, n) for n in range(per_person) for p in range(len(people))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(check_in, jobs))
    assert statuses == [302] * len(jobs)
    notes = set(CheckIn.objects.filter(key_result=cast.kr).values_list("note", flat=True))
    assert notes >= {f"p{p}-n{n}" for p, n in jobs}
    assert CheckIn.objects.filter(key_result=cast.kr, note__startswith="p").count() == len(jobs)
    # The key result's derived value is the latest check-in's.
    cast.kr.refresh_from_db()
    latest = CheckIn.objects.filter(key_result=cast.kr).order_by("-created_at", "-pk").first()
    assert latest is not None
    assert cast.kr.current == latest.value
