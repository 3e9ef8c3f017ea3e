from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "tandem.bench"
    label = "bench"
    verbose_name = "Benchmarks"
