import re

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from weiguang.core.errors import ServiceError

from . import services
from .models import OutboxMessage, Preference, Robot, Status


def masked(row, text: str) -> str:
    """A verification code's digits hidden, as on the text messages' admin page (accounts)."""
    return re.sub(r"\d{6}", "******", text) if row.purpose.startswith("code:") else text


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "per_minute", "active"]
    list_filter = ["kind", "active"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The delivery ledger: every message to every recipient on every channel. Dead letters
    (status filter) are sent again with the action "Replay"; each replay is audited."""

    list_display = [
        "id",
        "channel",
        "recipient",
        "robot",
        "title_shown",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "channel", "purpose"]
    search_fields = ["key", "title"]
    list_select_related = ["recipient", "robot"]
    date_hierarchy = "created_at"
    actions = ["replay"]
    exclude = ["title", "body"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name not in ("title", "body")] + [
        "title_shown",
        "body_shown",
    ]
    raw_id_fields = ["recipient", "notification", "sms"]

    @admin.display(description=_("title"))
    def title_shown(self, obj) -> str:
        return masked(obj, obj.title)

    @admin.display(description=_("body"))
    def body_shown(self, obj) -> str:
        return masked(obj, obj.body)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Replay the selected dead letters"), permissions=["change"])
    def replay(self, request, queryset):
        done = 0
        for row in queryset.filter(status=Status.DEAD):
            try:
                services.replay(row, by=request.user)
                done += 1
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        self.message_user(
            request,
            ngettext("%(n)s message queued again.", "%(n)s messages queued again.", done) % {"n": done},
        )


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "sms", "email", "quiet_from", "quiet_until"]
    raw_id_fields = ["user"]
