"""URL roots: composition only."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .api import api
from .core.media import media

handler400 = "weiguang.core.views.bad_request"
handler403 = "weiguang.core.views.permission_denied"
handler404 = "weiguang.core.views.page_not_found"
handler500 = "weiguang.core.views.server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("weiguang.site.urls")),  # the home page
    path("", include("weiguang.core.urls")),
    path("", include("weiguang.wishes.urls")),
    path("", include("weiguang.demands.urls")),
    path("", include("weiguang.volunteers.urls")),
    path("", include("weiguang.matching.urls")),
    path("", include("weiguang.outbox.urls")),  # 消息提醒 (message settings)
    path("", include("weiguang.partners.urls")),
    path("", include("weiguang.lists.urls")),
    path("", include("weiguang.places.urls")),
    path("", include("weiguang.events.urls")),
    path("", include("weiguang.events.fairs.urls")),  # stalls, queues, the fair's summary
    path("", include("weiguang.people.urls")),
    path("", include("weiguang.accounts.urls")),
]

if settings.DEBUG or settings.WEIGUANG.get("SERVE_MEDIA", True):
    # Uploaded photos, as pictures only (core/media.py). Behind a real web server or object
    # storage in production (README: that server must send the same headers).
    urlpatterns.append(path("media/<path:path>", media, name="media"))
