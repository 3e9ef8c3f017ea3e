"""The company health page, promoting and demoting KPIs, and KPIs linked to objectives."""

from django.urls import path

from tandem.web import views_health as views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("kpis/<int:pk>/promote/", views.kpi_promote, name="kpi_promote"),
    path("kpis/<int:pk>/demote/", views.kpi_demote, name="kpi_demote"),
    path("objectives/<int:pk>/kpis/", views.objective_link_kpi, name="objective_link_kpi"),
    path(
        "objective-kpis/<int:pk>/delete/",
        views.objective_unlink_kpi,
        name="objective_unlink_kpi",
    ),
    path("key-results/<int:pk>/kpi/", views.key_result_link_kpi, name="key_result_link_kpi"),
]
