"""The offline field kit's pages: the kit itself (the forms each app registered in
core/offline.py), the service worker that keeps it (and the app shell) on the phone, the web
app manifest that makes it installable, and the page shown for any other page while offline."""

from __future__ import annotations

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import offline
from .offline import kinds, parts

# The app shell: what every cached page needs, cached first by the service worker.
SHELL = [
    "core/weiguang.css",
    "core/weiguang.js",
    "core/offline-queue.js",
    "core/field.js",
    "vendor/htmx/htmx.min.js",
    "core/favicon.svg",
    "core/icon-192.png",
]
OFFLINE_PAGES = ["field_kit", "offline_page"]  # network first, the last copy when offline


def shell() -> list[str]:
    """The shell, and the static files of the pages other apps keep offline."""
    extra = [path for paths in offline.OFFLINE_PAGES.values() for path in paths]
    return SHELL + [path for path in dict.fromkeys(extra) if path not in SHELL]


def offline_pages() -> list[str]:
    return OFFLINE_PAGES + [name for name in offline.OFFLINE_PAGES if name not in OFFLINE_PAGES]


def _read_static(path: str) -> bytes:
    found = finders.find(path)
    if found:
        with open(found, "rb") as f:
            return f.read()
    with staticfiles_storage.open(path) as f:
        return f.read()


@functools.cache
def shell_version() -> str:
    """Changes whenever a file of the shell or the worker itself changes: a new worker then
    installs, fills new caches and drops the old ones."""
    digest = hashlib.sha256()
    digest.update(loader.get_template("core/sw.js").template.source.encode())
    for path in shell():
        digest.update(path.encode())
        try:
            digest.update(_read_static(path))
        except (FileNotFoundError, OSError, ValueError):
            digest.update(b"missing")
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """/sw.js, from the site's root so that its scope is the whole site."""
    body = loader.render_to_string(
        "core/sw.js",
        {
            "version": shell_version(),
            "shell": json.dumps([static(p) for p in shell()]),
            "pages": json.dumps([reverse(name) for name in offline_pages()]),
            "offline": json.dumps(reverse("offline_page")),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the browser checks for a new worker every time
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    """/manifest.webmanifest: the field kit installed on a phone's home screen."""
    site = settings.WEIGUANG.get("SITE_NAME", "") or "Weiguang"
    body = {
        "name": f"{site} · {_('Offline visits')}",
        "short_name": _("Door-to-door"),
        "description": _("Record wishes, demands and visit notes at the door, with or without signal."),
        "lang": "en" if request.LANGUAGE_CODE == "en" else "zh-Hans",
        "start_url": reverse("field_kit"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f7f4ef",
        "theme_color": "#c8102e",
        "icons": [
            {"src": static("core/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("core/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("core/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline_page(request):
    """What the service worker shows for a page it has no copy of while the phone is offline."""
    return render(request, "core/offline.html")


@login_required
@require_GET
def field_kit(request):
    """The grid worker's door-to-door kit: pick the resident, record a wish, a demand or a
    visit note, offline or not; what waits, what was sent and what was refused (field.js)."""
    user = request.user
    forms = [{"kind": k, "c": k.context(user) if k.context else {}} for k in kinds(user)]
    if not forms:
        raise PermissionDenied
    sections = [{"part": p, "c": p.context(user) if p.context else {}} for p in parts()]
    strings = {
        "online": _("Online: entries are sent at once."),
        "offline": _("Offline: entries are kept on this phone and sent when the signal returns."),
        "sending": _("Sending…"),
        "saved": _("Saved on this phone."),
        "login": _("Your login has expired: log in again, then the entries are sent."),
        "retry": _("Could not send; trying again soon."),
        "choose_resident": _("Choose the resident first."),
        "edit": _("Correct it"),
        "discard": _("Discard"),
        "send_anyway": _("Send anyway"),
        "open": _("Open"),
        "nothing": _("Nothing here."),
        "updating": _("Correcting an entry: save to send it again."),
        "received": _("received earlier"),
        "duplicate": _("already recorded by another entry"),
        "kinds": {f["kind"].name: str(f["kind"].label) for f in forms},
    }
    context = {
        "forms": forms,
        "sections": sections,
        "strings": strings,
        "today": timezone.localdate(),
        "endpoint": "/api/v1/field/entries",
        "csrf_url": "/api/v1/auth/csrf",
    }
    response = render(request, "core/field_kit.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response
