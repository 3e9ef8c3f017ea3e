from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tandem.accounts"
    label = "accounts"
    verbose_name = "Organisations and people"

    def ready(self) -> None:
        # Connect the sign-in signal receivers (timeouts and failed-login counting).
        from tandem.accounts import orgcache, security, tasks  # noqa: F401

        tasks.connect()
        # Retire the per-organisation cache when a team or the organisation changes.
        orgcache.connect()
