from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tandem.accounts.models import Membership, Organization, Team, TeamMembership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name",)}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]
    exclude = ["organization"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "kind", "parent"]
    list_filter = ["organization", "kind"]
    search_fields = ["name"]
    list_select_related = ["organization", "parent"]
    inlines = [TeamMembershipInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        # Team memberships carry the team's organisation (every row names its tenant).
        for instance in formset.save(commit=False):
            instance.organization_id = form.instance.organization_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
