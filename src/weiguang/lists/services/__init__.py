"""Every change to projects and surveys happens here, as plain functions taking the acting user;
the three lists and what the partner units delivered are computed here. One topic a module:
projects, surveys, lists (the three lists), deliveries (a unit's record, who delivered what).
A refused action raises before anything is written."""

from .deliveries import Delivery, UnitRecord, deliveries, unit_record, unit_record_seen_by
from .lists import NeedsList, check_lists, needs_list, projects_list, resources_list
from .projects import (
    EDITABLE_PROJECT_STATES,
    MAX_LINKS,
    PLAN_MAX,
    REASON_MAX,
    TITLE_MAX,
    cancel_project,
    create_project,
    finish_project,
    project_owners,
    project_url,
    start_project,
    update_project,
    visible_projects,
    with_links,
)
from .surveys import (
    ANSWER_MAX,
    CHANNELS,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    OPTION_MAX,
    QUESTION_MAX,
    QuestionTally,
    Tally,
    can_collect,
    close_survey,
    create_survey,
    record_response,
    resident_of,
    tallies,
    tally,
    visible_surveys,
)

__all__ = [
    "ANSWER_MAX", "CHANNELS", "EDITABLE_PROJECT_STATES", "MAX_LINKS", "MAX_OPTIONS", "MAX_QUESTIONS",
    "OPTION_MAX", "PLAN_MAX", "QUESTION_MAX", "REASON_MAX", "TITLE_MAX", "Delivery", "NeedsList", "QuestionTally", "Tally",
    "UnitRecord", "can_collect", "cancel_project", "check_lists", "close_survey", "create_project",
    "create_survey", "deliveries", "finish_project", "needs_list", "project_owners", "project_url",
    "projects_list", "record_response", "resident_of", "resources_list", "start_project", "tallies", "tally",
    "unit_record", "unit_record_seen_by", "update_project", "visible_projects", "visible_surveys",
    "with_links",
]  # fmt: skip
