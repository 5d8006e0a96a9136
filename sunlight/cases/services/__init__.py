"""Writes of cases. Each is one transaction with its audit row; permission is checked before the
transaction opens, so the audit row of a refusal is not rolled back with it.

Every write to a case locks the case row (`select_for_update`; SQLite's IMMEDIATE transactions
serialise writers anyway) and compares the version the caller saw: two people completing the same
step at once — exactly one succeeds, the other gets 409 with the current state. A step passes only
when `rules.step_checks` finds no blocking failure, or a township official granted a written
exception to that named rule of that step. There is no other override.
"""

from ._base import (
    DECIDING_STEP_KEYS,
    MAX_AMOUNT,
    PAYING_STEP_KEYS,
    StepBlocked,
    case_state,
    clean_amount,
    may_act,
    supervision_members,
)
from .exceptions import exception_decide, exception_request
from .meetings import figures_on, meeting_record, rule_figures
from .opening import case_open, case_stop
from .reminders import steps_remind
from .steps import (
    case_file_add,
    file_kind,
    file_too_large,
    max_file_bytes,
    step_blockers,
    step_complete,
    step_facts,
    step_materials,
    step_post_draft,
    step_post_publish,
    step_sign,
)

__all__ = [
    "DECIDING_STEP_KEYS",
    "MAX_AMOUNT",
    "PAYING_STEP_KEYS",
    "StepBlocked",
    "case_file_add",
    "case_open",
    "case_state",
    "case_stop",
    "clean_amount",
    "exception_decide",
    "exception_request",
    "figures_on",
    "file_kind",
    "file_too_large",
    "max_file_bytes",
    "may_act",
    "meeting_record",
    "rule_figures",
    "step_blockers",
    "step_complete",
    "step_facts",
    "step_materials",
    "step_post_draft",
    "step_post_publish",
    "step_sign",
    "steps_remind",
    "supervision_members",
]
