"""The Django admin's site: whoever reaches it has passed two-factor sign-in in this session.

The middleware (accounts.middleware) sends a logged-in user who opens /admin/ without that to set
up an authenticator or to enter its code first; this site is the second lock on the same door
(django_otp.admin.OTPAdminSite's rule, with the admin's usual password login form: the code is
asked on our own page after it)."""

from __future__ import annotations

from django.contrib.admin import AdminSite


class OTPAdminSite(AdminSite):
    def has_permission(self, request) -> bool:
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and bool(is_verified and is_verified())
