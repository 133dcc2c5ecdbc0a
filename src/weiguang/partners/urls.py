from django.urls import path

from . import views

urlpatterns = [
    path("partners/", views.units, name="partner_units"),
    path("partners/deliveries/", views.deliveries, name="partner_deliveries"),
    path("partners/<id:pk>/", views.unit_detail, name="partner_unit"),
    path("partners/<id:pk>/profile/", views.unit_profile, name="partner_profile"),
    path("partners/<id:pk>/resources/", views.resource_add, name="resource_add"),
    path("resources/<id:pk>/withdraw/", views.resource_withdraw, name="resource_withdraw"),
    path("lists/", views.three_lists, name="three_lists"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<id:pk>/", views.project_detail, name="project_detail"),
    path("projects/<id:pk>/<slug:action>/", views.project_action, name="project_action"),
]
