"""Old rows go in batches: every batch its own transaction, the rows asked for and no others."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from tandem.jobs.pruning import delete_in_batches
from tandem.jobs.tasks import prune_finished_tasks

pytestmark = pytest.mark.django_db


def test_delete_in_batches_removes_exactly_the_rows_asked_for(django_assert_num_queries):
    made = [prune_finished_tasks.enqueue(days=1).id for _ in range(5)]
    rows = DBTaskResult.objects.filter(id__in=made[:4])
    # Two full batches of two, each a look-up and a delete inside its own savepoint (the
    # test's transaction holds them), and the empty look-up that ends the loop.
    with django_assert_num_queries(2 * 4 + 1):
        assert delete_in_batches(rows, batch=2) == 4
    assert [str(i) for i in DBTaskResult.objects.values_list("id", flat=True)] == [made[4]]


def test_a_last_short_batch_ends_the_loop_without_another_look_up(django_assert_num_queries):
    made = [prune_finished_tasks.enqueue(days=1).id for _ in range(3)]
    with django_assert_num_queries(2 * 4):
        assert delete_in_batches(DBTaskResult.objects.filter(id__in=made), batch=2) == 3
    assert not DBTaskResult.objects.exists()
