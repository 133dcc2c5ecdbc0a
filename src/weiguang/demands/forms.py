"""Forms for the demand pages. They parse and show fields; the rules live in services."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weiguang.core.forms import BigRadioSelect, Form
from weiguang.core.names import local_name
from weiguang.regions.models import Region, RegionKind

from .models import DemandCategory, DemandChannel, Evaluation, IntakeSession, SessionKind

DESK_CHANNELS = [
    (c.value, c.label)
    for c in (
        DemandChannel.DESK,
        DemandChannel.HOTLINE,
        DemandChannel.GROUP_CHAT,
        DemandChannel.VISIT,
        DemandChannel.STALL,
    )
]
GENUINE_CHOICES = [("", _("Not known")), ("yes", _("Yes, it is true")), ("no", _("No, not true"))]


def category_choices() -> list:
    """The category tree as a two-level select: top categories, their children in a group."""
    rows = list(DemandCategory.objects.filter(active=True).order_by("ordering", "id"))
    children: dict[int, list] = {}
    for c in rows:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    choices: list = [("", _("Not sure (staff will choose)"))]
    for c in rows:
        if c.parent_id:
            continue
        name = local_name(c)
        if c.pk in children:
            choices.append((name, [(c.pk, name), *((k.pk, local_name(k)) for k in children[c.pk])]))
        else:
            choices.append((c.pk, name))
    return choices


def grid_choices(grids) -> list:
    """Grids grouped by community: [(community name, [(grid id, grid name), ...]), ...]."""
    grids = list(grids)
    parents = Region.objects.in_bulk({g.parent_id for g in grids})
    groups: dict[int, list] = {}
    for g in grids:
        groups.setdefault(g.parent_id, []).append((g.pk, g.name))
    ordered = sorted(groups.items(), key=lambda kv: parents[kv[0]].path if kv[0] in parents else "")
    return [(parents[pid].name if pid in parents else "", items) for pid, items in ordered]


class CategoryField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, required=False, **kwargs)

    def clean(self, value):
        pk = super().clean(value)
        return DemandCategory.objects.filter(pk=pk, active=True).first() if pk else None


class GridField(forms.TypedChoiceField):
    """A grid among the given ones, grouped by community; cleaned to the Region."""

    def __init__(self, grids=None, **kwargs):
        super().__init__(coerce=int, empty_value=None, **kwargs)
        self.set_grids(grids if grids is not None else Region.objects.none())

    def set_grids(self, grids):
        self._grids = grids
        self.choices = [("", _("Choose…")), *grid_choices(grids)]

    def clean(self, value):
        pk = super().clean(value)
        return self._grids.filter(pk=pk).first() if pk else None


class PublicDemandForm(Form):
    """A resident's demand, online: where, what, how urgent."""

    grid = GridField(label=_("Where is it? Your community and grid"))
    title = forms.CharField(
        label=_("In one line: what is the problem?"),
        min_length=2,
        max_length=60,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("e.g. The corridor light is broken")}
        ),
    )
    description = forms.CharField(
        label=_("Tell us more (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = CategoryField(label=_("Kind of matter (optional)"))
    urgent = forms.BooleanField(label=_("Urgent: it puts someone at risk"), required=False)
    contact_phone = forms.CharField(
        label=_("Your phone number (optional)"),
        required=False,
        max_length=30,
        help_text=_(
            "To follow your demand with this number if you lose the tracking code; staff may call you back."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, grids=None, ask_phone: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_phone:  # a resident's own demand: they follow it under 我的诉求
            del self.fields["contact_phone"]
        self.fields["grid"].set_grids(
            grids if grids is not None else Region.objects.filter(kind=RegionKind.GRID)
        )
        self.fields["category"].choices = category_choices()


class DeskDemandForm(Form):
    """The desk's rapid-entry form. channel, grid and session stay for the next entry."""

    channel = forms.ChoiceField(
        label=_("How it reached us"), choices=DESK_CHANNELS, initial=DemandChannel.DESK
    )
    grid = GridField(label=_("Grid"), required=False)
    session = forms.TypedChoiceField(
        label=_("Intake session (optional)"), coerce=int, empty_value=None, required=False
    )
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("Name"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "off"}),
    )
    title = forms.CharField(
        label=_("The demand, in one line"),
        min_length=2,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = CategoryField(label=_("Category"))
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    resolved = forms.BooleanField(label=_("Resolved on the spot"), required=False)
    result = forms.CharField(
        label=_("How it was resolved"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, grids=None, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].set_grids(grids if grids is not None else Region.objects.none())
        self.fields["grid"].choices = [("", _("The resident's grid")), *self.fields["grid"].choices[1:]]
        self._sessions = sessions if sessions is not None else IntakeSession.objects.none()
        self.fields["session"].choices = [("", _("None"))] + [
            (s.pk, f"{s.date:%m-%d} {s.title} · {s.community.name}") for s in self._sessions[:50]
        ]
        self.fields["category"].choices = category_choices()
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex
        # Choosing a session shows its summary at once (htmx picks it out of the page).
        self.fields["session"].widget.attrs.update(
            {"hx-get": reverse("desk_demand_new"), "hx-trigger": "change", "hx-target": "#session-summary",
             "hx-select": "#session-summary", "hx-swap": "outerHTML"}
        )  # fmt: skip

    def clean_session(self):
        pk = self.cleaned_data.get("session")
        return self._sessions.filter(pk=pk).first() if pk else None

    def clean(self):
        data = super().clean()
        if data.get("resolved") and not (data.get("result") or "").strip():
            self.add_error("result", _("Describe how it was resolved."))
        return data


class SessionForm(Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices, initial=SessionKind.DESK)
    title = forms.CharField(label=_("Name of the session"), max_length=60)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, prefix="session", **kwargs)
        self._communities = {c.pk: c for c in communities}
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["date"].initial = timezone.localdate()

    def clean_community(self):
        return self._communities.get(self.cleaned_data["community"])


# --- actions on one demand -------------------------------------------------------------------


class ResolveForm(Form):
    result = forms.CharField(
        label=_("How was it resolved?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(Form):
    assignee = forms.TypedChoiceField(label=_("Give it to"), coerce=int)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, prefix="assign", **kwargs)
        self.people = {u.pk: u for u in people}
        self.fields["assignee"].choices = [("", _("Choose…"))] + [
            (u.pk, u.get_full_name() or u.username) for u in people
        ]

    def clean_assignee(self):
        return self.people.get(self.cleaned_data["assignee"])


class TransferForm(Form):
    """One or more departments of the street, each with an optional deadline."""

    note = forms.CharField(label=_("Note for the departments (optional)"), required=False, max_length=300)

    def __init__(self, *args, departments=(), default_due: dt.datetime | None = None, **kwargs):
        super().__init__(*args, prefix="transfer", **kwargs)
        self.departments = list(departments)
        self.default_due = default_due  # what an empty date means, to say so next to the dates
        today = timezone.localdate().isoformat()
        for dep in self.departments:
            self.fields[f"dep_{dep.pk}"] = forms.BooleanField(label=dep.name, required=False)
            self.fields[f"due_{dep.pk}"] = forms.DateField(
                label=_("Deadline (optional)"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date", "min": today}, format="%Y-%m-%d"),
            )

    def rows(self):
        return [(dep, self[f"dep_{dep.pk}"], self[f"due_{dep.pk}"]) for dep in self.departments]

    def targets(self) -> list[tuple]:
        data = self.cleaned_data
        return [(dep, data.get(f"due_{dep.pk}")) for dep in self.departments if data.get(f"dep_{dep.pk}")]

    def clean(self):
        data = super().clean()
        if self.departments and not any(data.get(f"dep_{dep.pk}") for dep in self.departments):
            raise forms.ValidationError(_("Choose at least one department."))
        today = timezone.localdate()
        for dep in self.departments:
            due = data.get(f"due_{dep.pk}")
            if due is not None and due < today:
                self.add_error(f"due_{dep.pk}", _("A deadline cannot be in the past."))
        return data

    def due_errors(self) -> list:
        return [e for dep in self.departments for e in self.errors.get(f"due_{dep.pk}", [])]


class HandleForm(Form):
    result = forms.CharField(label=_("Result"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    action_taken = forms.CharField(
        label=_("What was done (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_genuine = forms.ChoiceField(
        label=_("Is the complaint true? (属实)"),
        choices=GENUINE_CHOICES,
        required=False,
        widget=BigRadioSelect,
    )
    beyond_remit = forms.BooleanField(label=_("Beyond our remit (超职责)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="handle", **kwargs)

    def genuine(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("is_genuine") or "")


class ReplyForm(Form):
    reply = forms.CharField(
        label=_("Reply to the resident"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public_reply = forms.CharField(
        label=_("Public reply (optional)"),
        help_text=_("Shown to anyone with the tracking code: no names, phones or addresses."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="reply", **kwargs)


class EvaluateForm(Form):
    evaluation = forms.ChoiceField(
        label=_("Are you satisfied?"), choices=Evaluation.choices, widget=BigRadioSelect
    )
    note = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="evaluate", **kwargs)


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReviewReturnForm(Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="review", **kwargs)


class ReferForm(Form):
    meeting = forms.TypedChoiceField(label=_("Meeting"), coerce=int)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)

    def __init__(self, *args, meetings=(), **kwargs):
        super().__init__(*args, prefix="refer", **kwargs)
        self.meetings = {m.pk: m for m in meetings}
        self.fields["meeting"].choices = [
            (m.pk, f"{timezone.localtime(m.held_at):%m-%d %H:%M} {m.title}") for m in meetings
        ]

    def clean_meeting(self):
        return self.meetings.get(self.cleaned_data["meeting"])


class ConvertWishForm(Form):
    note = forms.CharField(label=_("Why (optional)"), required=False, max_length=300)


# --- meetings and figures --------------------------------------------------------------------


class MeetingForm(Form):
    region = forms.TypedChoiceField(label=_("Area"), coerce=int)
    title = forms.CharField(label=_("Topic"), max_length=60)
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place (optional)"), required=False, max_length=100)
    attendees = forms.CharField(
        label=_("Who is invited (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {r.pk: r for r in regions}
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]

    def clean_region(self):
        return self.regions.get(self.cleaned_data["region"])


class DecisionForm(Form):
    decision = forms.CharField(label=_("Decision"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    attendees = forms.CharField(
        label=_("Who attended"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionItemForm(Form):
    title = forms.CharField(label=_("Action item"), required=False, max_length=60)
    assignee = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    grid = GridField(label=_("Grid"), required=False)

    def __init__(self, *args, people=(), grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {u.pk: u for u in people}
        self.fields["assignee"].choices = [("", _("Choose…"))] + [
            (u.pk, u.get_full_name() or u.username) for u in people
        ]
        self.fields["grid"].set_grids(grids if grids is not None else Region.objects.none())

    def clean(self):
        data = super().clean()
        if (data.get("title") or "").strip() and not data.get("assignee"):
            self.add_error("assignee", _("Who will do it?"))
        return data

    def item(self):
        data = self.cleaned_data
        title = (data.get("title") or "").strip()
        return (title, self.people.get(data["assignee"]), data.get("grid")) if title else None


ActionItemFormSet = forms.formset_factory(ActionItemForm, extra=3, max_num=10)


class FiguresForm(Form):
    region = forms.TypedChoiceField(label=_("Area"), coerce=int, required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {r.pk: r for r in regions}
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        start = data["start"] = data.get("start") or dt.date(today.year, 1, 1)
        end = data["end"] = data.get("end") or today
        region = self.regions.get(data.get("region")) if data.get("region") else None
        data["region"] = region or (next(iter(self.regions.values())) if self.regions else None)
        if start > end:
            self.add_error("end", _("The end is before the start."))
        elif start < dt.date(2000, 1, 1) or end > dt.date(2100, 12, 31):
            self.add_error("start", _("Choose dates between 2000 and 2100."))
        return data
