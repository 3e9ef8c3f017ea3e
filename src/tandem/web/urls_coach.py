"""The quality coach's report of a cycle."""

from django.urls import path

from tandem.web import views_coach as views

urlpatterns = [
    path("cycles/<int:pk>/coach/", views.cycle_coach, name="cycle_coach"),
]
