"""What a demand's steps take in the API (the schemas of the actions table, actions.py); outside
the api package, which imports the table to register its endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from weiguang.core.api import Id, InSchema, Text

from .services import common

EvaluationCode = Literal["satisfied", "basically_satisfied", "unsatisfied"]


class ReasonIn(InSchema):
    reason: Text = Field(max_length=common.REASON_MAX)


class ResolveIn(InSchema):
    result: Text = Field(max_length=common.TEXT_MAX)


class AssignIn(InSchema):
    assignee_id: Id
    note: Text = Field("", max_length=common.REASON_MAX)


class TransferTarget(InSchema):
    department_id: Id
    deadline: dt.date | None = Field(None, description="Default: the demand's handling deadline")


class TransferIn(InSchema):
    departments: list[TransferTarget] = Field(min_length=1, max_length=20)
    note: Text = Field("", max_length=common.REASON_MAX)


class HandleIn(InSchema):
    result: Text = Field(max_length=common.TEXT_MAX)
    action_taken: Text = Field("", max_length=common.TEXT_MAX)
    is_genuine: bool | None = Field(None, description="属实: the complaint proved true")
    beyond_remit: bool = Field(False, description="超职责: beyond the handler's remit")


class ReplyIn(InSchema):
    reply: Text = Field(max_length=common.TEXT_MAX)
    public_reply: Text = Field(
        "", max_length=common.TEXT_MAX, description="Shown to anyone with the tracking code"
    )


class EvaluateIn(InSchema):
    evaluation: EvaluationCode
    note: Text = Field("", max_length=common.REASON_MAX)


class ReviewReturnIn(InSchema):
    approve: bool
    note: Text = Field("", max_length=common.REASON_MAX)


class ReferIn(InSchema):
    meeting_id: Id
    note: Text = Field("", max_length=common.REASON_MAX)
