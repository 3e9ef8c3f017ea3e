"""The webhook settings pages: subscriptions, test pings and the delivery log."""

from django.urls import URLPattern, URLResolver, path

from tandem.web import views_webhooks as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/webhooks/", views.subscription_list, name="webhooks"),
    path("settings/webhooks/<int:pk>/", views.subscription_detail, name="webhook"),
    path("settings/webhooks/<int:pk>/ping/", views.subscription_ping, name="webhook_ping"),
    path("settings/webhooks/<int:pk>/pause/", views.subscription_pause, name="webhook_pause"),
    path("settings/webhooks/<int:pk>/resume/", views.subscription_resume, name="webhook_resume"),
    path("settings/webhooks/<int:pk>/rotate/", views.subscription_rotate, name="webhook_rotate"),
    path("settings/webhooks/<int:pk>/delete/", views.subscription_delete, name="webhook_delete"),
    path(
        "settings/webhooks/<int:pk>/deliveries/<int:delivery_pk>/",
        views.delivery_detail,
        name="webhook_delivery",
    ),
    path(
        "settings/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        views.delivery_redeliver,
        name="webhook_redeliver",
    ),
]
