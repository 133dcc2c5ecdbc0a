"""Surveys: questions to the residents of a region, answered on a home visit or online, and
tallied into the needs list ("52 suggestions: free clinic, appliance repair ..."). Staff make
and close them ("survey.manage"); staff and grid workers collect answers ("survey.collect")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.text import clean_text as _text
from weiguang.core.transitions import perform
from weiguang.partners.services import TITLE_MAX
from weiguang.people.services import own_resident
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind

from ..models import Survey, SurveyQuestion, SurveyResponse

MAX_QUESTIONS, MAX_OPTIONS, OPTION_MAX, QUESTION_MAX, ANSWER_MAX = 30, 20, 100, 200, 500
TOP_SUGGESTIONS = 5
CHANNELS = ("visit", "online")


def _clean_questions(questions) -> list[dict]:
    questions = list(questions or [])
    if not questions:
        raise InvalidInput(_("Add at least one question."), fields={"questions": "required"})
    if len(questions) > MAX_QUESTIONS:
        raise InvalidInput(
            _("At most %(max)d questions.") % {"max": MAX_QUESTIONS}, fields={"questions": "too_many"}
        )
    cleaned = []
    for i, q in enumerate(questions):
        where = f"questions.{i}"
        if not isinstance(q, dict):
            raise InvalidInput(_("This value has the wrong type."), fields={where: "invalid"})
        text = _text(q.get("text"), f"{where}.text", required=True, max_length=QUESTION_MAX)
        raw = q.get("options") or []
        if not isinstance(raw, list | tuple) or len(raw) > MAX_OPTIONS:
            raise InvalidInput(
                _("At most %(max)d options.") % {"max": MAX_OPTIONS}, fields={f"{where}.options": "invalid"}
            )
        options = [_text(o, f"{where}.options", required=True, max_length=OPTION_MAX) for o in raw]
        if len(set(options)) != len(options):
            raise InvalidInput(_("Each option once."), fields={f"{where}.options": "duplicate"})
        if len(options) == 1:
            raise InvalidInput(
                _("Give at least two options, or none for a free answer."),
                fields={f"{where}.options": "too_few"},
            )
        multiple = bool(q.get("multiple", False))
        if multiple and not options:
            raise InvalidInput(
                _("A free-text question takes one answer."), fields={f"{where}.multiple": "invalid"}
            )
        cleaned.append({"text": text, "options": options, "multiple": multiple, "ordering": i})
    return cleaned


def create_survey(by, *, region: Region, title: str, questions) -> Survey:
    """Questions to the residents of `region`: staff. A question with no options takes a
    free-text answer; `multiple` lets a resident pick several options."""
    if region is None:
        raise InvalidInput(_("Choose the region."), fields={"region": "invalid"})
    if not access.can(by, "survey.manage", region):
        raise NotAllowed(_("Only staff of the region may create surveys."))
    title = _text(
        title, "title", required=True, min_length=2, max_length=TITLE_MAX, message=_("Name the survey.")
    )
    questions = _clean_questions(questions)
    with transaction.atomic():
        survey = Survey.objects.create(region=region, title=title, created_by=by)
        SurveyQuestion.objects.bulk_create(SurveyQuestion(survey=survey, **q) for q in questions)
        log_action(survey, "create", by, to_state="open", questions=len(questions))
    return survey


def close_survey(survey: Survey, by) -> Survey:
    if not access.can(by, "survey.manage", survey):
        raise NotAllowed(_("Only staff of the region may close the survey."))
    already = Conflict(_("The survey is already closed."), code="survey_closed")
    return perform(survey, "close", by, conflict=already)


def _clean_answers(survey: Survey, answers) -> dict[str, str | list[str]]:
    if not isinstance(answers, dict) or not answers:
        raise InvalidInput(_("Answer at least one question."), fields={"answers": "required"})
    questions = {str(q.pk): q for q in survey.questions.all()}
    cleaned: dict[str, str | list[str]] = {}
    for key, value in answers.items():
        key = str(key)
        where = f"answers.{key}"
        q = questions.get(key)
        if q is None:
            raise InvalidInput(_("There is no such question in this survey."), fields={where: "unknown"})
        if not q.options:
            if not isinstance(value, str):
                raise InvalidInput(_("Answer this question in words."), fields={where: "invalid"})
            text = _text(value, where, required=False, max_length=ANSWER_MAX)
            if text:
                cleaned[key] = text
            continue
        picked = [value] if isinstance(value, str) else value
        if not isinstance(picked, list | tuple) or any(not isinstance(p, str) for p in picked):
            raise InvalidInput(_("Choose from the options offered."), fields={where: "invalid"})
        picked = list(dict.fromkeys(p.strip() for p in picked if p.strip()))
        if any(p not in q.options for p in picked):
            raise InvalidInput(_("Choose from the options offered."), fields={where: "not_offered"})
        if not q.multiple and len(picked) > 1:
            raise InvalidInput(_("This question takes one answer."), fields={where: "single"})
        if picked:
            cleaned[key] = picked if q.multiple else picked[0]
    if not cleaned:
        raise InvalidInput(_("Answer at least one question."), fields={"answers": "required"})
    return cleaned


def record_response(
    survey: Survey, by, *, answers, channel: str = "visit", grid: Region | None = None
) -> SurveyResponse:
    """Staff and grid workers record answers on a visit (channel "visit", in a grid of the
    survey's region); a logged-in resident of the region answers online, once."""
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed(_("Please log in first."))
    if channel not in CHANNELS:
        raise InvalidInput(_("Unknown channel."), fields={"channel": "invalid"})
    if grid is not None and (grid.kind != RegionKind.GRID or not survey.region.contains(grid)):
        raise InvalidInput(_("Choose a grid of the survey's region."), fields={"grid": "invalid"})
    if channel == "visit":
        if not access.can(by, "survey.collect", grid or survey):
            raise NotAllowed(_("Only staff and grid workers of the region record answers on a visit."))
    else:
        resident = resident_of(by, survey)
        if resident is None:
            raise NotAllowed(_("Only residents of the region may answer online."))
        grid = resident.grid
    cleaned = _clean_answers(survey, answers)
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if not locked.open:
            raise Conflict(_("The survey is closed."), code="survey_closed")
        if channel == "online" and locked.responses.filter(channel="online", collected_by=by).exists():
            raise Conflict(_("You have already answered this survey."), code="already_answered")
        response = SurveyResponse.objects.create(
            survey=locked, answers=cleaned, channel=channel, grid=grid, collected_by=by
        )
        log_action(response, "record", by, survey=survey.pk, channel=channel)
    return response


@dataclass
class QuestionTally:
    id: int
    text: str
    multiple: bool
    free_text: bool
    answered: int
    counts: list[tuple[str, int]]  # every option with its count, most chosen first
    answers: list[str]  # the free-text answers, newest first


@dataclass
class Tally:
    survey: Survey
    responses: int
    questions: list[QuestionTally]
    top: list[tuple[str, int]]  # the most chosen options over all questions
    summary: str


def tally(survey: Survey, *, max_answers: int = 200) -> Tally:
    """Counts per option of each question and the free-text answers (never who gave them)."""
    rows = survey.responses.order_by("-created_at", "-id").values_list("answers", flat=True)
    return _tally(survey, rows.iterator(), max_answers)


def tallies(surveys, *, max_answers: int = 200) -> list[Tally]:
    """The tallies of several surveys (questions prefetched, for a list): one query reads the
    answers of them all, survey by survey, newest first as tally() reads them."""
    surveys = list(surveys)
    rows = (
        SurveyResponse.objects.filter(survey__in=surveys)
        .order_by("survey_id", "-created_at", "-id")
        .values_list("survey_id", "answers")
    )
    done: dict[int, Tally] = {}
    by_id = {s.pk: s for s in surveys}
    for survey_id, group in groupby(rows.iterator(), key=itemgetter(0)):
        done[survey_id] = _tally(by_id[survey_id], (a for _, a in group), max_answers)
    return [done.get(s.pk) or _tally(s, (), max_answers) for s in surveys]


def _tally(survey: Survey, answers_of_each: Iterable, max_answers: int) -> Tally:
    questions = list(survey.questions.all())
    counters = {str(q.pk): Counter() for q in questions}
    texts: dict[str, list[str]] = {str(q.pk): [] for q in questions if not q.options}
    answered = Counter()
    total = 0
    for answers in answers_of_each:
        total += 1
        for key, value in (answers or {}).items():
            if key not in counters:
                continue  # a question removed since (questions are not edited, but be safe)
            answered[key] += 1
            if key in texts:
                if len(texts[key]) < max_answers:
                    texts[key].append(str(value))
            elif isinstance(value, list):
                counters[key].update(value)
            else:
                counters[key][value] += 1
    rows, overall = [], Counter()
    for q in questions:
        key = str(q.pk)
        counts = sorted(
            ((o, counters[key][o]) for o in q.options), key=lambda item: (-item[1], q.options.index(item[0]))
        )
        if q.multiple or not any(other.multiple for other in questions):
            overall.update(dict(counts))  # suggestions come from the "pick several" questions
        rows.append(
            QuestionTally(
                id=q.pk,
                text=q.text,
                multiple=q.multiple,
                free_text=not q.options,
                answered=answered[key],
                counts=counts,
                answers=texts.get(key, []),
            )  # fmt: skip
        )
    top = [(o, n) for o, n in overall.most_common(TOP_SUGGESTIONS) if n]
    if top:
        summary = _("%(n)d answers; most asked for: %(top)s") % {
            "n": total,
            "top": ", ".join(f"{o} ({n})" for o, n in top),
        }
    else:
        summary = _("%(n)d answers") % {"n": total}
    return Tally(survey=survey, responses=total, questions=rows, top=top, summary=summary)


def resident_of(user, survey: Survey):
    """The user's resident record when they live in the survey's region (they may answer it
    online), else None."""
    resident = own_resident(user)  # kept on the user: one query for a whole list of surveys
    return resident if resident is not None and survey.region.contains(resident.grid) else None


def can_collect(user, survey: Survey) -> bool:
    """Staff and grid workers whose region overlaps the survey's: a grid worker collects a
    community's survey in their own grid."""
    return access.can_within(user, "survey.collect", survey)


def visible_surveys(user) -> QuerySet[Survey]:
    """Surveys of the regions where the user may collect answers, and of the regions above them
    (a street's survey is collected in its communities' grids)."""
    return Survey.objects.restrict(user, "survey.collect", within=True).select_related("region")
