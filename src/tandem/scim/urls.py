"""SCIM 2.0 under ``/scim/v2`` (the protocol's own names, without trailing slashes)."""

from django.urls import URLPattern, URLResolver, path, re_path

from tandem.scim import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("scim/v2/Users", views.users, name="scim_users"),
    path("scim/v2/Users/<str:pk>", views.user, name="scim_user"),
    path("scim/v2/Groups", views.groups, name="scim_groups"),
    path("scim/v2/Groups/<str:pk>", views.group, name="scim_group"),
    path(
        "scim/v2/ServiceProviderConfig",
        views.service_provider_config,
        name="scim_service_provider_config",
    ),
    path("scim/v2/ResourceTypes", views.resource_types, name="scim_resource_types"),
    path("scim/v2/ResourceTypes/<str:name>", views.resource_types, name="scim_resource_type"),
    path("scim/v2/Schemas", views.schemas, name="scim_schemas"),
    path("scim/v2/Schemas/<str:urn>", views.schemas, name="scim_schema"),
    re_path(r"^scim/v2/(?P<rest>.*)$", views.unknown),
]
