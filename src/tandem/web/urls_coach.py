"""The quality coach's report of a cycle, its advice while an objective is written, and
the organisation's settings that switch its rules off."""

from django.urls import path

from tandem.web import views_coach as views
from tandem.web import views_settings

urlpatterns = [
    path("cycles/<int:pk>/coach/", views.cycle_coach, name="cycle_coach"),
    path("coach/draft/", views.coach_draft, name="coach_draft"),
    path(
        "settings/organization/",
        views_settings.organization_settings,
        name="organization_settings",
    ),
]
