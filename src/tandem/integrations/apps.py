from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Data in and out: bulk ingestion, file imports, OKRs as YAML, and their commands."""

    name = "tandem.integrations"
    label = "integrations"
    verbose_name = "Imports and exports"
