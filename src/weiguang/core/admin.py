from django.contrib import admin

from .models import ApiToken, AuditEntry, Notification
from .views import AdminLoginForm

admin.site.login_form = AdminLoginForm  # the login lockout says how long to wait there too


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "content_type", "object_id", "from_state", "to_state"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_id", "actor__username", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "content_type"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    search_fields = ["recipient__username", "title"]
    list_select_related = ["recipient"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and revoked (deleted), never created or read back here."""

    list_display = ["user", "created_at", "last_used_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
