from django.contrib import admin

from .models import RetentionPolicy, RetentionRun


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("key", "days", "warning_days", "note", "updated_at")


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ("ran_at", "key", "warned", "anonymised", "dry_run")
    list_filter = ("key",)
