from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("staff/wishes/<id:pk>/candidates/", views.wish_candidates, name="wish_candidates"),
    path("staff/wishes/<id:pk>/invite/", views.wish_invite, name="wish_invite"),
    path("staff/demands/<id:pk>/candidates/", views.demand_candidates, name="demand_candidates"),
    path("my/invitations/", views.my_invitations, name="my_invitations"),
    path("invitations/<id:pk>/<slug:action>/", views.invitation_answer, name="invitation_answer"),
    path("staff/assignments/", views.bulk_assign, name="bulk_assign"),
]
