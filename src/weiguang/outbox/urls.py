from django.urls import path

from . import views

urlpatterns = [
    path("my/messages/", views.message_settings, name="message_settings"),
]
