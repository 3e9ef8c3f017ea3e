"""Pages of accounts; included from tandem.urls."""

from django.urls import URLPattern, URLResolver, path

from tandem.accounts import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/people/", views.people, name="people"),
    path("settings/people/<int:pk>/role/", views.person_role, name="person_role"),
    path("settings/people/<int:pk>/remove/", views.person_remove, name="person_remove"),
    path(
        "settings/people/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("language/", views.language_set, name="language_set"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
