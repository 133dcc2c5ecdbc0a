"""URL roots: composition only."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("weiguang.core.urls")),
    path("", include("weiguang.wishes.urls")),
    path("", include("weiguang.demands.urls")),
    path("", include("weiguang.volunteers.urls")),
    path("", include("weiguang.partners.urls")),
]

if settings.DEBUG or settings.WEIGUANG.get("SERVE_MEDIA", True):
    # Uploaded photos. Behind a real web server or object storage in production (README).
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
