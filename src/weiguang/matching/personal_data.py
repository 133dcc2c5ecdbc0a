"""What matching holds about a person (accounts.personal_data's registry): the invitations
to claim a wish they received."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import register_personal_data

from .models import Invitation


def invitations_of(user, resident) -> list[dict]:
    invitations = (
        Invitation.objects.filter(invitee=user).select_related("wish").order_by("-created_at", "-id")
    )
    return [
        {
            "wish": i.wish.title,
            "status": i.get_status_display(),
            "note": i.note,
            "decline_reason": i.decline_reason,
            "created_at": i.created_at,
            "decided_at": i.decided_at,
        }
        for i in invitations
    ]


def register() -> None:
    register_personal_data(
        "invitations",
        _("Invitations to claim a wish"),
        invitations_of,
        order=60,
        fields={
            "wish": _("micro-wish"),
            "status": _("status"),
            "note": _("note"),
            "decline_reason": _("reason"),
            "created_at": _("invited at"),
            "decided_at": _("answered at"),
        },
    )
