"""The security page (安全): two-factor sign-in (set up, enter the code after the password,
recovery codes, remove) and the user's sessions (see them, end the others). The rules are in
accounts.security; these views parse a code and show what the service says."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from weiguang.core.errors import ServiceError
from weiguang.core.forms import Form, apply_service_error
from weiguang.core.templatetags.wg import safe_next

from .. import security


class CodeForm(Form):
    code = forms.CharField(
        label=pgettext_lazy("two-factor", "Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
        help_text=gettext_lazy(
            "The 6 digits your authenticator app shows now, or one of your recovery codes."
        ),
    )


class SetupCodeForm(Form):
    code = forms.CharField(
        label=gettext_lazy("The 6 digits the app shows"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _run(form, action):
    """Call `action(code)` for a valid form; a refusal lands on the form. True when it worked."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data["code"])
    except ServiceError as err:
        apply_service_error(form, err)
        return False
    return True


def _show_codes(request, codes: list[str]):
    request.session[security.RECOVERY_SESSION_KEY] = codes
    return redirect("security_recovery")


@login_required
def overview(request):
    user = request.user
    current = request.session.session_key
    rows = security.sessions_of(user)
    if current and not any(row.session_key == current for row in rows):
        security.touch(request)  # e.g. just after a password change gave the session a new key
        rows = security.sessions_of(user)
    sessions = [
        {"row": row, "device": security.describe_agent(row.user_agent), "current": row.session_key == current}
        for row in rows
    ]
    return render(
        request,
        "accounts/security.html",
        {
            "two_factor": security.has_two_factor(user),
            "allowed": security.is_staff(user),
            "required": security.required(user),
            "codes_left": security.recovery_codes_left(user),
            "sessions": sessions,
            "others": sum(1 for s in sessions if not s["current"]),
            "idle_minutes": security.idle_limit_seconds() // 60 if security.is_staff(user) else None,
            "remove_form": CodeForm(prefix="remove"),
        },
    )


@login_required
def setup(request):
    user = request.user
    if not security.is_staff(user):
        messages.info(request, _("Two-factor sign-in is for staff accounts."))
        return redirect("security")
    if security.has_two_factor(user):
        return redirect(safe_next(request, "/security/"))
    device = security.pending_authenticator(user)
    form = SetupCodeForm(request.POST or None)
    codes: list[str] = []
    if request.method == "POST" and _run(
        form, lambda code: codes.extend(security.confirm_authenticator(request, code))
    ):
        return _show_codes(request, codes)
    return render(
        request,
        "accounts/security_setup.html",
        {
            "form": form,
            "qr": security.qr_svg(device),
            "secret": security.secret_of(device),
            "required": security.required(user),
            "next": safe_next(request, ""),
        },
    )


@login_required
def verify(request):
    if security.gate(request, admin=True) != "verify":
        return redirect(safe_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _run(form, lambda code: security.verify(request, code)):
        left = security.recovery_codes_left(request.user)
        if left <= 3:
            messages.warning(
                request,
                ngettext(
                    "Only %(n)s recovery code is left: make new ones on the security page.",
                    "Only %(n)s recovery codes are left: make new ones on the security page.",
                    left,
                )
                % {"n": left},
            )
        return redirect(safe_next(request))
    return render(request, "accounts/security_verify.html", {"form": form, "next": safe_next(request, "")})


@login_required
def recovery(request):
    """GET: the new recovery codes, once. POST: make new ones (the old stop working)."""
    if request.method == "POST":
        try:
            codes = security.renew_recovery_codes(request.user)
        except ServiceError as err:
            messages.error(request, err.message)
            return redirect("security")
        return _show_codes(request, codes)
    codes = request.session.pop(security.RECOVERY_SESSION_KEY, None)
    if not codes:
        return redirect("security")
    return render(request, "accounts/security_recovery.html", {"codes": codes})


@login_required
@require_POST
def remove(request):
    form = CodeForm(request.POST, prefix="remove")
    if _run(form, lambda code: security.remove_two_factor(request, code)):
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("security")
    messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("security")


@login_required
@require_POST
def end_others(request):
    count = security.end_other_sessions(request)
    messages.success(
        request,
        ngettext("%(n)s other session ended.", "%(n)s other sessions ended.", count) % {"n": count},
    )
    return redirect("security")
