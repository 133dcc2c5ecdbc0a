from __future__ import annotations

from django.conf import settings

from .navigation import role_flags
from .notifications import unread


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.WEIGUANG["SITE_NAME"],
        "large_text": getattr(request, "large_text", False),
        "max_upload_mb": settings.MAX_UPLOAD_BYTES // 2**20,
        # Lazily evaluated: anonymous pages (the cached wall) never query the inbox.
        # The same count as the inbox's badge in the navigation, counted once.
        "unread_notifications": (lambda: role_flags(user).memo(unread)) if user is not None else 0,
    }
