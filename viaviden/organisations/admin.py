"""Django admin (django-admin/) for organisations, users, API tokens and the services overview.

The admin site requires a verified second factor like every staff page (django-otp's OTPAdminSite)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from .models import ApiToken, Organisation, Service, User

# The default site keeps its name ("admin") and URLs; only its login form and permission check change:
# the login asks for the one-time code and has_permission() requires request.user.is_verified().
admin.site.__class__ = OTPAdminSite
admin.site.site_header = _("Vækst Via Viden – administration")
admin.site.site_title = _("Vækst Via Viden")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "short_name",
        "kind",
        "parent",
        "municipality",
        "target_part",
        "is_project_partner",
        "active",
    ]
    list_filter = ["kind", "target_part", "is_project_partner", "active"]
    search_fields = ["name", "short_name", "slug"]
    list_select_related = ["parent", "municipality"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "organisation", "role", "is_active", "is_staff"]
    list_filter = ["role", "organisation__kind", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Organisation og rolle"), {"fields": ("organisation", "role")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Organisation og rolle"), {"fields": ("first_name", "last_name", "email", "organisation", "role")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with ApiToken.issue() (the raw token is shown once); here they are listed and revoked."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "updated_at", "last_used_at"]
    fields = ["name", "user", "prefix", "key_hash", "created_at", "updated_at", "last_used_at", "revoked"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Tilbagekald valgte API-nøgler"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked=False).update(revoked=True)
        self.message_user(request, _("%(count)d API-nøgle(r) tilbagekaldt.") % {"count": count})


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "contact", "serves_all_municipalities", "active"]
    list_filter = ["active", "serves_all_municipalities", "organisation"]
    list_select_related = ["organisation"]
    search_fields = ["name", "description", "organisation__name"]
    autocomplete_fields = ["organisation"]
