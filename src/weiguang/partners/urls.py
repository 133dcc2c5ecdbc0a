from django.urls import path

from . import views

urlpatterns = [
    path("partners/", views.units, name="partner_units"),
    path("partners/<id:pk>/", views.unit_detail, name="partner_unit"),
    path("partners/<id:pk>/profile/", views.unit_profile, name="partner_profile"),
    path("partners/<id:pk>/resources/", views.resource_add, name="resource_add"),
    path("resources/<id:pk>/withdraw/", views.resource_withdraw, name="resource_withdraw"),
]
