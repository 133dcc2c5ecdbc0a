from django.urls import path

from . import views

urlpatterns = [
    path("partners/deliveries/", views.deliveries, name="partner_deliveries"),
    path("lists/", views.three_lists, name="three_lists"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<id:pk>/", views.project_detail, name="project_detail"),
    path("projects/<id:pk>/<slug:action>/", views.project_action, name="project_action"),
]
