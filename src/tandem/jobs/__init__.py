"""Background work: tasks that run outside a request, and the schedule of periodic ones.

Work that can wait (delivering a webhook, pulling a KPI's value, sending a reminder) is a
Django task (``django.tasks``-style, from the ``django-tasks`` package) stored in the
database by ``django-tasks-db``, so it is enqueued in the same transaction as the change
that caused it and survives a restart. ``tandem worker`` runs the tasks, and every
``--interval`` seconds asks each app's ``periodic`` module what has come due.
"""
