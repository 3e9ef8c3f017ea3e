"""The plan, the exports of a cycle's review and of the scorecard, and the presentation."""

from django.urls import URLPattern, URLResolver, path, re_path

from tandem.web import views_reports as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("plan/", views.plan, name="plan"),
    path("plan/edit/", views.plan_edit, name="plan_edit"),
    path("plan.pdf", views.plan_pdf, name="plan_pdf"),
    re_path(
        r"^cycles/(?P<pk>[0-9]+)/review\.(?P<kind>pdf|csv|xlsx)$",
        views.cycle_review_export,
        name="cycle_review_export",
    ),
    re_path(
        r"^scorecard\.(?P<kind>pdf|csv|xlsx)$",
        views.scorecard_export,
        name="scorecard_export",
    ),
    path("present/", views.present, name="present"),
]
