"""Send reads to a read replica, writes to the primary.

Active only when ``TANDEM_REPLICA_DATABASE_URL`` is set (settings.py then adds the
``replica`` alias and this router). Reads inside a transaction stay on the primary:
a service reads and locks what it is about to change, and must see its own writes,
which a replica only receives later. Migrations run on the primary alone; the
replica receives them through replication.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model

PRIMARY = "default"
REPLICA = "replica"


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if transaction.get_connection(PRIMARY).in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both aliases hold the same data: a row read from the replica may point at one
        # written on the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY
