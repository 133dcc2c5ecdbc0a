from django.urls import path

from .views import data, residence, security, signup, staff

# Each sub-area of accounts adds its pages here (views/ holds one module a sub-area).
urlpatterns: list = [
    path("staff/accounts/", staff.staff_accounts, name="staff_accounts"),
    path("staff/accounts/new/", staff.staff_account_new, name="staff_account_new"),
    path("staff/accounts/<id:pk>/", staff.staff_account, name="staff_account"),
    path("staff/accounts/<id:pk>/grant/", staff.staff_account_grant, name="staff_account_grant"),
    path(
        "staff/accounts/<id:pk>/roles/<id:role_pk>/remove/",
        staff.staff_account_remove_role,
        name="staff_account_remove_role",
    ),
    path("staff/accounts/<id:pk>/<slug:action>/", staff.staff_account_action, name="staff_account_action"),
    # sign-up, login by code, password reset (views/signup.py)
    path("signup/", signup.signup, name="signup"),
    path("login/code/", signup.login_by_code, name="login_code"),
    path("password/reset/", signup.password_reset, name="password_reset"),
    path(
        "account/set-password/<str:uidb64>/<str:token>/", staff.staff_set_password, name="staff_set_password"
    ),
    # two-factor sign-in and sessions (views/security.py)
    path("security/", security.overview, name="security"),
    path("security/2fa/setup/", security.setup, name="security_setup"),
    path("security/2fa/verify/", security.verify, name="security_verify"),
    path("security/2fa/recovery-codes/", security.recovery, name="security_recovery"),
    path("security/2fa/remove/", security.remove, name="security_remove"),
    path("security/sessions/end-others/", security.end_others, name="security_end_others"),
    # personal information rights (PIPL): the person's own data, the staff's requests
    path("my/data/", data.my_data, name="my_data"),
    path("my/data/export.json", data.my_data_download, {"fmt": "json"}, name="my_data_json"),
    path("my/data/export.xlsx", data.my_data_download, {"fmt": "xlsx"}, name="my_data_xlsx"),
    path("staff/data-requests/", data.data_requests, name="data_requests"),
    path("staff/data-requests/<id:pk>/", data.data_request, name="data_request"),
    # where I live (after sign-up, and from the person's page); staff confirm it
    path("my/residence/", residence.residence_page, name="residence"),
    path("staff/residence/", residence.residence_queue, name="residence_queue"),
    path("residence/<id:pk>/<slug:action>/", residence.residence_action, name="residence_action"),
]
