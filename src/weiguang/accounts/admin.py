from django.contrib import admin
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
    readonly_fields = [f.name for f in SmsMessage._meta.fields]

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
