"""A person's own account: password resets and the language menu."""

from django.urls import URLPattern, URLResolver, path

from tandem.web import views_account as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("language/", views.language_set, name="language_set"),
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
