"""Serving uploaded photos (when no web server or object storage does it; see the README).

Only our picture types are served, each with its image content type, `nosniff` and a policy
that lets a browser show the picture and nothing else: a file that somehow holds HTML or a
script is never run as a page. Anything else under /media/ (an upload stored under its own
name before uploads were re-encoded, say `anon.html`) is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve

MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",  # photos uploaded before re-encoding; new ones are stored as PNG
}
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def media_headers(response, content_type: str):
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_safe
def media(request, path: str):
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    content_type = MEDIA_TYPES.get(ext)
    if content_type is None:
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    return media_headers(response, content_type)
