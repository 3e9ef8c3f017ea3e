from django.contrib.auth import views as auth_views
from django.urls import include, path

from tandem.web import views, views_calibration
from tandem.web.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organisation/switch/", views.organization_switch, name="organization_switch"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<slug:slug>/", views.team_detail, name="team"),
    path("objectives/new/", views.objective_create, name="objective_create"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path(
        "objectives/<int:pk>/key-results/new/",
        views.key_result_create,
        name="key_result_create",
    ),
    path(
        "objectives/<int:pk>/initiatives/new/",
        views.initiative_create,
        name="initiative_create",
    ),
    path("objectives/<int:pk>/alignments/new/", views.alignment_add, name="alignment_add"),
    path("alignments/<int:pk>/remove/", views.alignment_remove, name="alignment_remove"),
    path("key-results/<int:pk>/edit/", views.key_result_edit, name="key_result_edit"),
    path("key-results/<int:pk>/check-in/", views.key_result_check_in, name="key_result_check_in"),
    path("", include("tandem.web.urls_cycles")),
    path("", include("tandem.web.urls_health")),
    path("", include("tandem.web.urls_kpis")),
    path("", include("tandem.web.urls_audit")),
    path("", include("tandem.web.urls_import")),
    path("", include("tandem.web.urls_coach")),
    path("calibration/", views_calibration.calibration, name="calibration"),
    path("", include("tandem.web.urls_people")),
    path("", include("tandem.web.urls_account")),
    path("", include("tandem.web.urls_api_tokens")),
    path("", include("tandem.web.urls_sources")),
    path("", include("tandem.web.urls_webhooks")),
    path("", include("tandem.web.urls_notifications")),
    path("", include("tandem.web.urls_reports")),
    path("", include("tandem.web.urls_provisioning")),
]
