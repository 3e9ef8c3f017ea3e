from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background work: the schedule of periodic jobs and ``tandem worker``."""

    name = "tandem.jobs"
    label = "jobs"
    verbose_name = "Background work"
