from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The strategic plan, cycle review and scorecard as pages, PDF, CSV and XLSX."""

    name = "tandem.reports"
    label = "reports"
    verbose_name = "Reports"
