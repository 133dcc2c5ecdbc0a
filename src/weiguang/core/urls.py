from django.urls import path

from . import offline_views, views

urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<id:pk>/", views.inbox_open, name="inbox_open"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("prefs/lang/", views.set_language, name="prefs_lang"),
    path("prefs/large-text/", views.set_large_text, name="prefs_large_text"),
    path("field/", offline_views.field_kit, name="field_kit"),
    path("offline/", offline_views.offline_page, name="offline_page"),
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline_views.manifest, name="web_manifest"),
]
