from django.urls import path

from . import views

urlpatterns = [
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/<id:pk>/", views.room_week, name="room_week"),
    path("rooms/<id:pk>/book/", views.book, name="room_book"),
    path("rooms/<id:pk>/edit/", views.room_edit, name="room_edit"),
    path("rooms/<id:pk>/door/", views.room_door, name="room_door"),
    path("rooms/door/<str:token>/", views.door_check_in, name="room_door_check_in"),
    path("centres/<id:pk>/week/", views.centre_week, name="centre_week"),
    path("centres/<id:pk>/rooms/new/", views.room_new, name="room_new"),
    path("bookings/mine/", views.my_bookings, name="my_bookings"),
    path("bookings/queue/", views.booking_queue, name="booking_queue"),
    path("bookings/<id:pk>/edit/", views.booking_edit, name="booking_edit"),
    path("bookings/<id:pk>/cancel-rest/", views.booking_cancel_rest, name="booking_cancel_rest"),
    path("bookings/<id:pk>/<slug:action>/", views.booking_action, name="booking_action"),
]
