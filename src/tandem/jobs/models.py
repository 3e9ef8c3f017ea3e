"""When each periodic job last ran, so that two workers never run the same one twice."""

from __future__ import annotations

from django.db import models


class PeriodicRun(models.Model):
    """The last time a named periodic job claimed its turn (see ``schedule.claim``).

    Not tenant-owned: the names are Tandem's own jobs, not an organisation's data. A job
    that runs per organisation puts the organisation's id in the name.
    """

    name = models.CharField(max_length=200, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run_at:%Y-%m-%d %H:%M}"
