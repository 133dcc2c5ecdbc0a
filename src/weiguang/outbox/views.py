from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.privacy import mask_phone

from . import services
from .forms import PreferenceForm


@login_required
def message_settings(request):
    """消息提醒: the inbox always; text messages and e-mail if I want them; my quiet hours."""
    preference = services.preference_of(request.user)
    phone = services.phone_of(request.user)
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.set_preferences(request.user, **form.cleaned_data)
            except ServiceError as err:
                apply_service_error(form, err)
                status = err.status
            else:
                messages.success(request, _("Saved."))
                return redirect("message_settings")
        else:
            status = 422
    else:
        form = PreferenceForm(
            initial={
                "sms": preference.sms, "email": preference.email, "email_address": request.user.email,
                "quiet_from": preference.quiet_from, "quiet_until": preference.quiet_until,
            }
        )  # fmt: skip
    shown = mask_phone(phone) if phone else ""
    return render(request, "outbox/settings.html", {"form": form, "phone": shown}, status=status)
