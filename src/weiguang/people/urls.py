from django.urls import path

from . import views

urlpatterns = [
    path("staff/residents/", views.staff_residents, name="staff_residents"),
    path("staff/residents/<id:pk>/", views.staff_resident, name="staff_resident"),
]
