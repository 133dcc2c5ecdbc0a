import re

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Account, SmsMessage


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("user", "phone", "created_at")
    search_fields = ("user__username", "phone")
    raw_id_fields = ("user",)


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """The text messages and how their delivery went (docs/sms.md); read only."""

    list_display = ("created_at", "phone", "purpose", "status", "attempts", "sent_at")
    list_filter = ("status", "purpose")
    search_fields = ("phone",)
    exclude = ("text",)
    readonly_fields = [f.name for f in SmsMessage._meta.fields if f.name != "text"] + ["text_shown"]

    @admin.display(description=_("text"))
    def text_shown(self, obj) -> str:
        """The text, a verification code's digits hidden: whoever may read this page must not be
        able to log in as the code's owner, or set their password, with it (accounts.codes)."""
        if obj.purpose.startswith("code:"):
            return re.sub(r"\d{6}", "******", obj.text)
        return obj.text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AuthenticatorAdmin(TOTPDeviceAdmin):
    """django-otp's admin of authenticators without its pages that show a device's QR code and
    secret (OTP_ADMIN_HIDE_SENSITIVE_DATA hides the key too): an admin removes a lost
    authenticator so its owner can set up a new one, and never reads anyone's."""

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, AuthenticatorAdmin)
