"""The people page and invitations: inviting, roles, removing, accepting a link."""

from django.urls import URLPattern, URLResolver, path

from tandem.web import views_people as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/people/", views.people, name="people"),
    path("settings/people/<int:pk>/role/", views.person_role, name="person_role"),
    path("settings/people/<int:pk>/remove/", views.person_remove, name="person_remove"),
    path(
        "settings/people/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
