"""The rectification item's action table: each action's states, who may take it, where it leads, its input and its
service (`services.py`, each decorated with `@ITEM_ACTIONS.performs(...)`). The detail page's buttons and forms, the
API's endpoints and the transition-matrix tests all read this table.
"""
from types import MappingProxyType

from qingshan.core.actions import ActionRule, ActionTable

from . import forms as f
from . import serializers as s
from .choices import Action, State

SUPERVISOR = "supervisor"  # the supervising side with jurisdiction (commission, its offices, the stationed group)
LEAD_UNIT = "lead_unit"
HANDLING_UNIT = "handling_unit"  # the lead unit or a co-unit
PARTICIPANT = "participant"  # the supervising side or a handling unit (site-check diaries are kept by both)
SUPERVISOR_SIGNATORY = "supervisor_signatory"  # the named head of the supervising side, in person
UNIT_SIGNATORY = "unit_signatory"  # the named principal of the lead unit, in person

NOT_CLOSED = frozenset({State.PLANNING, State.IN_PROGRESS, State.APPLIED, State.CHECKED, State.NOTICE})


def _rule(code: Action, from_states, who: str, to_state: str | None = None, **kwargs) -> ActionRule:
    return ActionRule(code=code.value, label=code.label, from_states=frozenset(from_states), who=who,
                      to_state=to_state, **kwargs)


ITEM_ACTIONS = ActionTable(
    object_type="rectification.item", noun="整改事项", target="item", services="qingshan.rectification.services",
    state_labels=MappingProxyType(dict(State.choices)),
    rules=[
        _rule(Action.PLAN, {State.PLANNING}, LEAD_UNIT, State.IN_PROGRESS, form=f.PlanForm,
              api_input=s.RectPlanInput),
        _rule(Action.MILESTONES, {State.IN_PROGRESS}, LEAD_UNIT, form=f.MilestonesForm,
              api_input=s.RectMilestonesInput),
        _rule(Action.MILESTONE_DONE, {State.IN_PROGRESS}, HANDLING_UNIT, form=f.MilestoneDoneForm,
              api_input=s.RectMilestoneDoneInput),
        _rule(Action.PROGRESS, {State.IN_PROGRESS}, HANDLING_UNIT, form=f.ProgressForm, api_input=s.RectProgressInput),
        _rule(Action.DIARY, {State.IN_PROGRESS, State.APPLIED, State.CHECKED}, PARTICIPANT, form=f.DiaryForm,
              api_input=s.RectDiaryInput),
        _rule(Action.REVIEW_NOTE, NOT_CLOSED | {State.CLOSED}, SUPERVISOR, form=f.ReviewNoteForm,
              api_input=s.RectTextInput),
        _rule(Action.APPLY, {State.IN_PROGRESS}, LEAD_UNIT, State.APPLIED, form=f.NoteForm, api_input=s.RectNoteInput),
        _rule(Action.SITE_CHECK, {State.APPLIED}, SUPERVISOR, State.CHECKED, form=f.SiteCheckForm,
              api_input=s.RectSiteCheckInput),
        _rule(Action.FAIL_CHECK, {State.APPLIED, State.CHECKED}, SUPERVISOR, State.IN_PROGRESS, form=f.ReasonForm,
              api_input=s.RectReasonInput),
        _rule(Action.SIGN_SUPERVISOR, {State.CHECKED}, SUPERVISOR_SIGNATORY, form=f.SignForm,
              api_input=s.RectSignInput),
        _rule(Action.SIGN_UNIT, {State.CHECKED}, UNIT_SIGNATORY, form=f.SignForm, api_input=s.RectSignInput),
        _rule(Action.PUBLISH, {State.CHECKED}, SUPERVISOR, State.NOTICE, form=f.PublishForm,
              api_input=s.RectPublishInput),
        _rule(Action.OBJECTION, {State.NOTICE}, SUPERVISOR, form=f.ObjectionForm, api_input=s.RectObjectionInput),
        _rule(Action.ANSWER, {State.NOTICE}, SUPERVISOR, form=f.AnswerForm, api_input=s.RectAnswerInput),
        _rule(Action.CONDITION, {State.CHECKED, State.NOTICE}, SUPERVISOR, form=f.ConditionForm,
              api_input=s.RectConditionInput),
        _rule(Action.CLOSE, {State.NOTICE}, SUPERVISOR, State.CLOSED, form=f.CloseForm, api_input=s.RectCloseInput),
        _rule(Action.RECHECK, {State.CLOSED}, SUPERVISOR, form=f.RecheckForm, api_input=s.RectRecheckInput),
        _rule(Action.REBOUND, {State.CLOSED}, SUPERVISOR, State.IN_PROGRESS, form=f.ReboundForm,
              api_input=s.RectReboundInput),
    ],
)
