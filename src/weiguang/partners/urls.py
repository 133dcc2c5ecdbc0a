from django.urls import path

from . import views

urlpatterns = [
    path("partners/", views.units, name="partner_units"),
    path("partners/deliveries/", views.deliveries, name="partner_deliveries"),
    path("partners/<int:pk>/", views.unit_detail, name="partner_unit"),
    path("partners/<int:pk>/profile/", views.unit_profile, name="partner_profile"),
    path("partners/<int:pk>/resources/", views.resource_add, name="resource_add"),
    path("resources/<int:pk>/withdraw/", views.resource_withdraw, name="resource_withdraw"),
    path("lists/", views.three_lists, name="three_lists"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/<slug:action>/", views.project_action, name="project_action"),
]
