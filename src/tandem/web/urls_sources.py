"""The page of a KPI's scheduled pull: its data source, a test and a pull now."""

from django.urls import URLPattern, URLResolver, path

from tandem.web import views_sources as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("kpis/<int:pk>/source/", views.kpi_source, name="kpi_source"),
    path("kpis/<int:pk>/source/pull/", views.kpi_source_pull, name="kpi_source_pull"),
    path("kpis/<int:pk>/source/delete/", views.kpi_source_delete, name="kpi_source_delete"),
]
