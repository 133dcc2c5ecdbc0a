from django.urls import path

from . import views

urlpatterns = [
    path("streets/<id:pk>/wall/", views.street_wall, name="street_wall"),
    path("communities/<id:pk>/wall/", views.community_wall, name="community_wall"),
    path("streets/<id:pk>/wall/print/", views.street_wall_print, name="street_wall_print"),
    path("communities/<id:pk>/wall/print/", views.community_wall_print, name="community_wall_print"),
    path("wishes/new/", views.wish_new, name="wish_new"),
    path("wishes/suggest-category/", views.suggest_category, name="wish_suggest_category"),
    path("wishes/<id:pk>/", views.wish_detail, name="wish_detail"),
    path("wishes/<id:pk>/qr.svg", views.wish_qr, name="wish_qr"),
    path("wishes/<id:pk>/<slug:action>/", views.wish_action, name="wish_action"),
    path("grid/wishes/new/", views.grid_wish_new, name="grid_wish_new"),
    path("grid/residents/search/", views.resident_search, name="resident_search"),
    path("my/wishes/", views.my_wishes, name="my_wishes"),
    path("my/claims/", views.my_claims, name="my_claims"),
    path("staff/wishes/", views.staff_queue, name="staff_queue"),
    path("staff/wishes/all/", views.staff_all, name="staff_all"),
    path("staff/wishes/<id:pk>/", views.staff_wish, name="staff_wish"),
]
