from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple

from .models import ApiToken, AuditEntry, Notification
from .views import AdminLoginForm

admin.site.login_form = AdminLoginForm  # the login lockout says how long to wait there too


class _KnownChoicesOnly:
    """Django's autocomplete widget looks the posted values up to show them again after an
    error; a value that is not an id ("abc") raised ValueError there, a 500 in the admin. It
    then shows nothing chosen, next to the field's own error."""

    def optgroups(self, name, value, attr=None):
        try:
            return super().optgroups(name, value, attr)
        except (ValueError, TypeError):
            return super().optgroups(name, [], attr)


class SafeAutocompleteSelect(_KnownChoicesOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_KnownChoicesOnly, AutocompleteSelectMultiple):
    pass


class SafeAutocomplete:
    """For a ModelAdmin or an inline: its autocomplete_fields survive a tampered post."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SafeAutocompleteAdmin(SafeAutocomplete, admin.ModelAdmin):
    pass


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
