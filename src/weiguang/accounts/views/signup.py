"""Sign-up, login by SMS code and password reset by code: plain POST forms (no JavaScript
needed), two steps on one page each: the number and "获取验证码", then the code and the rest.

Where a new account goes after sign-up is decided in one place, `signup_next_url()`
(settings.SIGNUP_NEXT_URL: the residence step once it exists)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weiguang.core import lockout
from weiguang.core.errors import ServiceError
from weiguang.core.forms import Form, apply_service_error
from weiguang.core.privacy import mask_phone
from weiguang.core.ratelimit import client_address
from weiguang.core.templatetags.wg import safe_next

from .. import registration
from ..codes import TooSoon
from ..models import CodePurpose, clean_phone
from ..registration import NAME_MAX

BACKEND = "weiguang.accounts.backends.PhoneBackend"
SEND = "send_code"  # the value of the "获取验证码" button


def signup_next_url() -> str:
    """Where a new account goes after sign-up: settings.SIGNUP_NEXT_URL (a URL name or path)."""
    return resolve_url(settings.SIGNUP_NEXT_URL)


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=gettext_lazy("Mobile number"),
            max_length=20,
            widget=forms.TextInput(
                attrs={
                    "type": "tel",
                    "inputmode": "numeric",
                    "autocomplete": "tel",
                    "placeholder": "13800138000",
                }
            ),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        phone = clean_phone(value)
        if phone is None:
            raise forms.ValidationError(_("Enter an 11-digit mainland mobile number."))
        return phone


def code_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": r"\d{6}"}
        ),
        **kwargs,
    )


def password_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 8 characters, not only digits."),
    )


class PhoneForm(Form):
    phone = PhoneField()


class SignupForm(PhoneForm):
    code = code_field()
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=NAME_MAX)
    password = password_field(gettext_lazy("Password"))


class CodeLoginForm(PhoneForm):
    code = code_field()


class ResetForm(PhoneForm):
    code = code_field()
    password = password_field(gettext_lazy("New password"))


def _send_code(request, form, purpose: str) -> str | None:
    """Handle "获取验证码": the clean number when a code went out (or, for a reset, the same
    answer either way), else None with the error on the form."""
    if not form.is_valid():
        return None
    try:
        phone = registration.request_code(
            form.cleaned_data["phone"], purpose, address=client_address(request)
        )
    except ServiceError as err:
        apply_service_error(form, err)
        if isinstance(err, TooSoon):
            request.too_soon = err.retry_after
        return None
    return phone


def _page(request, template: str, form, *, stage: str, status: int = 200, **context):
    response = render(request, template, {"form": form, "stage": stage, **context}, status=status)
    if getattr(request, "too_soon", None):
        response.status_code = 429
        response["Retry-After"] = str(request.too_soon)
    return response


def _code_step(request, template: str, purpose: str, details_form, **context):
    """The "获取验证码" button: send a code, then show the page's second step (the code and
    the rest), or the first again with the error."""
    form = PhoneForm(request.POST)
    phone = _send_code(request, form, purpose)
    if phone is None:
        return _page(request, template, form, stage="phone", **context)
    if purpose == CodePurpose.RESET:  # the same answer whether the number has an account or not
        notice = _(
            "If %(phone)s has an account, a verification code was sent to it. It is valid for 5 minutes."
        )
    else:
        notice = _("A verification code was sent to %(phone)s. It is valid for 5 minutes.")
    messages.info(request, notice % {"phone": mask_phone(phone)})
    return _page(request, template, details_form(initial={"phone": phone}), stage="details", **context)


def _code_form_page(request, template, purpose, form_class, done):
    """A page of two steps: the number (a code is sent), then the code and the rest of
    `form_class`, which go to `done(data)`: a service, whose answer is the response. A
    refusal shows the details again with the error on its field."""
    if request.method != "POST":
        return _page(request, template, PhoneForm(), stage="phone")
    if request.POST.get("action") == SEND:
        return _code_step(request, template, purpose, form_class)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            return done(form.cleaned_data)
        except ServiceError as err:
            apply_service_error(form, err)
    return _page(request, template, form, stage="details")


def signup(request):
    """GET/POST /signup/: the number → a code → code, name and password → logged in."""
    if request.user.is_authenticated:
        return redirect(signup_next_url())

    def done(data):
        user = registration.register(data["phone"], data["code"], data["password"], data["name"])
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect(signup_next_url())

    return _code_form_page(request, "accounts/signup.html", CodePurpose.REGISTER, SignupForm, done)


def login_by_code(request):
    """GET/POST /login/code/: the number → a code → logged in. Wrong codes count in the login
    lockout like wrong passwords (accounts.backends)."""
    if request.user.is_authenticated:
        return redirect(safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL)))
    template = "accounts/login_code.html"
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method != "POST":
        return _page(request, template, PhoneForm(), stage="phone", next=next_url)
    if request.POST.get("action") == SEND:
        return _code_step(request, template, CodePurpose.LOGIN, CodeLoginForm, next=next_url)
    form = CodeLoginForm(request.POST)
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        user = authenticate(request, username=phone, sms_code=form.cleaned_data["code"])
        if user is not None:
            login(request, user, backend=BACKEND)
            return redirect(safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL)))
        if lockout.is_refused(request) or getattr(request, "axes_locked_out", False):
            form.add_error(None, lockout.message(request, phone))
            if lockout.is_refused(request):
                return _page(request, template, form, stage="details", next=next_url, status=429)
        else:
            form.add_error("code", getattr(request, "sms_code_error", None) or _("The code is wrong."))
    return _page(request, template, form, stage="details", next=next_url)


def password_reset(request):
    """GET/POST /password/reset/: the number → a code → a new password. The answer is the same
    whether the number has an account or not."""

    def done(data):
        registration.reset_password(data["phone"], data["code"], data["password"])
        messages.success(request, _("Your password was changed. Please log in with the new one."))
        return redirect("login")

    return _code_form_page(request, "accounts/password_reset.html", CodePurpose.RESET, ResetForm, done)
