"""A fair's summary: its stalls and units, the people they served, what it collected (demands'
own intake-session summary: collected, on the spot, transferred) and the food parcels handed
out; as figures for the page and the API, and as an Excel sheet."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from weiguang.demands import stats as demand_stats

from ..checkins import figures
from ..models import Event, FoodParcel, Stall, StallVisit, StallWish
from .services import intake_session_for


@dataclass
class StallRow:
    stall: Stall
    visits: int
    residents: int
    wishes: int


@dataclass
class UnitRow:
    name: str
    kind: str
    stalls: int
    visits: int
    residents: int


@dataclass
class FairSummary:
    stalls: int
    units: int
    person_visits: int
    distinct_residents: int
    wishes: int
    collected: int  # demands in the fair's intake session
    on_spot: int
    transferred: int
    parcels: int
    came: int = 0  # distinct people checked in at the fair's desk (a party as many as came)
    door_visits: int = 0  # person-visits at the desk (someone in twice counts twice)
    rows: list[StallRow] = field(default_factory=list)
    unit_rows: list[UnitRow] = field(default_factory=list)

    @property
    def on_spot_share(self) -> float | None:
        """Handled on the spot, in % of the collected (one decimal), None when none."""
        return round(100 * self.on_spot / self.collected, 1) if self.collected else None

    @property
    def on_spot_share_text(self) -> str:
        share = self.on_spot_share
        return "—" if share is None else f"{share:.1f} %"


def fair_summary(event: Event) -> FairSummary:
    """A fixed number of queries, whatever the number of stalls."""
    stalls = list(
        Stall.objects.filter(event=event)
        .select_related("partner", "team")
        .annotate(
            n_visits=Count("visits", distinct=True),
            n_residents=Count("visits__resident", distinct=True),
            n_wishes=Count("wishes", distinct=True),
        )
        .order_by("number", "id")
    )
    visits = StallVisit.objects.filter(stall__event=event).aggregate(
        n=Count("id"), residents=Count("resident", distinct=True)
    )
    # the units' distinct residents, counted by the database per unit
    unit_residents = {
        (row["stall__provider_kind"], row["stall__partner_id"], row["stall__team_id"], row["stall__department_name"]): row["n"]
        for row in StallVisit.objects.filter(stall__event=event, resident__isnull=False)
        .values("stall__provider_kind", "stall__partner_id", "stall__team_id", "stall__department_name")
        .order_by()
        .annotate(n=Count("resident", distinct=True))
    }  # fmt: skip
    units: dict[str, UnitRow] = {}
    for s in stalls:
        row = units.setdefault(s.provider_key, UnitRow(s.provider, s.get_provider_kind_display(), 0, 0, 0))
        row.stalls += 1
        row.visits += s.n_visits
        key = (s.provider_kind, s.partner_id, s.team_id, s.department_name)
        row.residents = unit_residents.get(key, 0)
    session = intake_session_for(event) if event.kind == "service_fair" else None
    demands = demand_stats.session_summary(session) if session is not None else None
    parcels = FoodParcel.objects.filter(round__event=event).count()
    door = figures(event)
    return FairSummary(
        stalls=len(stalls),
        units=len(units),
        person_visits=visits["n"],
        distinct_residents=visits["residents"],
        wishes=StallWish.objects.filter(stall__event=event).count(),
        collected=demands.total if demands else 0,
        on_spot=demands.resolved_on_spot if demands else 0,
        transferred=demands.transferred if demands else 0,
        parcels=parcels,
        came=door["people"],
        door_visits=door["visits"],
        rows=[StallRow(s, s.n_visits, s.n_residents, s.n_wishes) for s in stalls],
        unit_rows=sorted(units.values(), key=lambda u: (-u.visits, u.name)),
    )


def summary_rows(event: Event, summary: FairSummary) -> list[tuple[str, object]]:
    """The headline figures as (label, value), the same on the page, in the API and the sheet."""
    return [
        (_("People who came (check-in)"), summary.came),
        (_("Check-in person-visits"), summary.door_visits),
        (_("Stalls"), summary.stalls),
        (_("Units"), summary.units),
        (_("Person-visits"), summary.person_visits),
        (_("Distinct residents"), summary.distinct_residents),
        (_("Wishes collected"), summary.wishes),
        (_("Demands collected"), summary.collected),
        (_("Handled on the spot"), summary.on_spot),
        (_("Transferred"), summary.transferred),
        (_("Handled on the spot (share)"), summary.on_spot_share_text),
        (_("Food parcels handed out"), summary.parcels),
    ]


def summary_xlsx(event: Event, summary: FairSummary | None = None) -> bytes:
    """The summary as a workbook: the figures, the stalls, the units."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    summary = summary or fair_summary(event)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")[:31]
    sheet.append([event.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([str(event.starts_at.date()), event.where])
    sheet.append([])
    for label, value in summary_rows(event, summary):
        sheet.append([str(label), value])
    sheet.column_dimensions["A"].width = 28
    stalls = book.create_sheet(_("Stalls")[:31])
    stalls.append(
        [
            _("Stall"),
            _("Run by"),
            _("Service"),
            _("Spot"),
            _("Person-visits"),
            _("Distinct residents"),
            _("Wishes collected"),
        ]
    )
    for row in summary.rows:
        s = row.stall
        stalls.append([s.number, s.provider, s.service, s.spot, row.visits, row.residents, row.wishes])
    units = book.create_sheet(_("Units")[:31])
    units.append([_("Unit"), _("Kind"), _("Stalls"), _("Person-visits"), _("Distinct residents")])
    for u in summary.unit_rows:
        units.append([u.name, u.kind, u.stalls, u.visits, u.residents])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["FairSummary", "fair_summary", "summary_rows", "summary_xlsx"]
