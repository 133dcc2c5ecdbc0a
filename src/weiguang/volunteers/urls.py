from django.urls import path

from . import views

urlpatterns = [
    path("volunteers/register/", views.register, name="volunteer_register"),
    path("volunteers/me/", views.me, name="volunteer_me"),
    path("volunteers/shop/", views.shop, name="volunteer_shop"),
    path("volunteers/rankings/", views.rankings, name="volunteer_rankings"),
    path("volunteers/<id:pk>/<slug:action>/", views.volunteer_action, name="volunteer_action"),
    path("teams/", views.teams, name="teams"),
    path("teams/<id:pk>/", views.team_detail, name="team_detail"),
    path("teams/<id:pk>/join/", views.team_join, name="team_join"),
    path("teams/<id:pk>/activity/", views.record_activity, name="team_activity"),
    path("teams/memberships/<id:pk>/<slug:action>/", views.membership_decide, name="membership_decide"),
    path("staff/volunteers/", views.staff_volunteers, name="staff_volunteers"),
    path("service-records/", views.records_to_verify, name="records_to_verify"),
    path("staff/demands/<id:pk>/volunteer-service/", views.demand_service, name="demand_volunteer_service"),
    path("service-records/<id:pk>/<slug:action>/", views.record_action, name="record_action"),
    path("my/certificates/", views.my_certificates, name="my_certificates"),
    path("my/certificates/issue/", views.issue_certificate, name="issue_certificate"),
    path("certificates/verify/<str:token>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:number>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<str:number>/pdf/", views.certificate_download, name="certificate_download"),
]
