"""/api/v1/surveys: questions to the residents of a region, answers recorded on a visit or
given online, and the tally. Thin: parse, call a service, render. The tally never says who
answered what."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.api import ERROR_RESPONSES, Id, InSchema, Page, Ref, Text, ref, require_user
from weiguang.partners.api import region_arg
from weiguang.regions import access

from .. import services
from ..models import Survey

surveys_router = Router(tags=["partners"])

ChannelCode = Literal["visit", "online"]


class QuestionIn(InSchema):
    text: Text = Field(max_length=services.QUESTION_MAX)
    options: list[Annotated[Text, Field(max_length=services.OPTION_MAX)]] = Field(
        [], max_length=services.MAX_OPTIONS, description="The choices; none: a free-text answer"
    )
    multiple: bool = Field(False, description="Several options may be picked")


class SurveyIn(InSchema):
    region: Id = Field(description="Region id whose residents are asked")
    title: Text = Field(max_length=services.TITLE_MAX)
    questions: list[QuestionIn] = Field(min_length=1, max_length=services.MAX_QUESTIONS)


class OptionCount(Schema):
    option: str
    count: int


class QuestionOut(Schema):
    id: int
    text: str
    options: list[str]
    multiple: bool


class QuestionTallyOut(Schema):
    id: int
    text: str
    multiple: bool
    free_text: bool
    answered: int
    counts: list[OptionCount] = Field(description="Every option with its count, most chosen first")
    answers: list[str] = Field(description="Free-text answers (who gave them is never shown)")


class TallyOut(Schema):
    survey: Ref
    region: Ref
    open: bool
    responses: int
    questions: list[QuestionTallyOut]
    top: list[OptionCount] = Field(description="The most asked-for options")
    summary: str


class SurveyOut(Schema):
    id: int
    region: Ref
    title: str
    open: bool
    created_at: dt.datetime
    questions: list[QuestionOut]
    tally: TallyOut | None = Field(description="For staff and grid workers of the region")
    can_answer_online: bool


Answer = Annotated[Text, Field(max_length=services.ANSWER_MAX)]


class ResponseIn(InSchema):
    answers: dict[Text, Answer | list[Answer]] = Field(
        max_length=services.MAX_QUESTIONS,
        description='Question id → an option, a list of options, or text: {"12": "义诊", "13": ["理发"]}',
    )
    channel: ChannelCode = Field("visit", description="visit: staff or a grid worker; online: a resident")
    grid: Id | None = Field(None, description="The grid visited")


class ResponseOut(Schema):
    id: int
    survey: int
    channel: str
    grid: Ref | None
    created_at: dt.datetime


class SurveyPage(Page):
    items: list[SurveyOut]


class SurveyFilters(InSchema):
    open: bool | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


def tally_out(t: services.Tally) -> dict:
    s = t.survey
    return {
        "survey": {"id": s.pk, "name": s.title}, "region": ref(s.region), "open": s.open,
        "responses": t.responses,
        "questions": [
            {
                "id": q.id, "text": q.text, "multiple": q.multiple, "free_text": q.free_text,
                "answered": q.answered, "counts": [{"option": o, "count": n} for o, n in q.counts],
                "answers": q.answers,
            }  # fmt: skip
            for q in t.questions
        ],
        "top": [{"option": o, "count": n} for o, n in t.top], "summary": t.summary,
    }  # fmt: skip


def _survey_out(user, s: Survey, tally: services.Tally | None = None) -> dict:
    """`tally`: the survey's, when a list has counted them together."""
    full = services.can_collect(user, s)
    return {
        "id": s.pk, "region": ref(s.region), "title": s.title, "open": s.open, "created_at": s.created_at,
        "questions": [
            {"id": q.pk, "text": q.text, "options": q.options, "multiple": q.multiple} for q in s.questions.all()
        ],
        "tally": tally_out(tally or services.tally(s)) if full else None,
        "can_answer_online": s.open and services.resident_of(user, s) is not None,
    }  # fmt: skip


def _may_see(user, s: Survey) -> bool:
    return services.can_collect(user, s) or services.resident_of(user, s) is not None


def _survey(user, survey_id: int) -> Survey:
    return access.get_for_user(Survey.objects.select_related("region"), user, see=_may_see, pk=survey_id)


@surveys_router.get("", response={200: SurveyPage, **ERROR_RESPONSES}, summary="Surveys of my region")
def list_surveys(request, filters: Query[SurveyFilters]):
    """Staff and grid workers: the surveys of their regions (and of the regions above), with
    tallies."""
    user = require_user(request)
    qs = services.visible_surveys(user)
    if filters.open is not None:
        qs = qs.filter(open=filters.open)
    qs = qs.order_by("-created_at", "-id")
    page = list(Page.window(qs.prefetch_related("questions"), filters))
    counted = {t.survey.pk: t for t in services.tallies(s for s in page if services.can_collect(user, s))}
    return Page.body(filters, qs.count(), [_survey_out(user, s, counted.get(s.pk)) for s in page])


@surveys_router.post("", response={201: SurveyOut, **ERROR_RESPONSES}, summary="Create a survey (staff)")
def create_survey(request, data: SurveyIn):
    user = require_user(request)
    region = region_arg(data.region)
    survey = services.create_survey(
        user, region=region, title=data.title, questions=[q.dict() for q in data.questions]
    )
    return Status(201, _survey_out(user, survey))


@surveys_router.get(
    "/{id:survey_id}", response={200: SurveyOut, **ERROR_RESPONSES}, summary="A survey, with its tally"
)
def get_survey(request, survey_id: Id):
    """Staff and grid workers of the region get the tally; a resident of the region gets the
    questions, to answer online."""
    user = require_user(request)
    return _survey_out(user, _survey(user, survey_id))


@surveys_router.post(
    "/{id:survey_id}/responses", response={201: ResponseOut, **ERROR_RESPONSES},
    summary="Record answers (on a visit) or answer online",
)  # fmt: skip
def record_response(request, survey_id: Id, data: ResponseIn):
    user = require_user(request)
    survey = _survey(user, survey_id)
    grid = region_arg(data.grid, "grid")
    r = services.record_response(survey, user, answers=data.answers, channel=data.channel, grid=grid)
    return Status(
        201,
        {
            "id": r.pk, "survey": survey.pk, "channel": r.channel,
            "grid": ref(r.grid) if r.grid_id else None, "created_at": r.created_at,
        },
    )  # fmt: skip


@surveys_router.post(
    "/{id:survey_id}/close", response={200: SurveyOut, **ERROR_RESPONSES}, summary="Stop collecting (staff)"
)
def close_survey(request, survey_id: Id):
    user = require_user(request)
    return _survey_out(user, services.close_survey(_survey(user, survey_id), user))
