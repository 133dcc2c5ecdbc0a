from __future__ import annotations

from django.conf import settings

from .notifications import unread_count


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.WEIGUANG["SITE_NAME"],
        "large_text": getattr(request, "large_text", False),
        "max_upload_mb": settings.MAX_UPLOAD_BYTES // 2**20,
        # Lazily evaluated: anonymous pages (the cached wall) never query the inbox.
        "unread_notifications": (lambda: unread_count(user)) if user is not None else 0,
    }
