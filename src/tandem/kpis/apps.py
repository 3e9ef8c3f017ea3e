from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "tandem.kpis"
    label = "kpis"
    verbose_name = "KPIs"
