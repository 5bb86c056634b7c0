"""The instruments' action table: each action's states, who may take it, where it leads, its input and its service.

The services (`services.py`, decorated with `@INSTRUMENT_ACTIONS.performs(...)`) read their state check and target
state from here; the detail page's buttons, the API's endpoints and the transition-matrix tests read it too.
"""
from types import MappingProxyType

from qingshan.core.actions import ActionRule, ActionTable

from . import forms as f
from . import serializers as s
from .choices import AWAITING_REPLY, ISSUED_STATES, Action, State

ISSUER = "issuer"  # the supervising side: staff of the drafting body or of the commission with jurisdiction
RECIPIENT = "recipient"  # handlers and heads of the unit the instrument was issued to


def _rule(code: Action, from_states, who: str, to_state: str | None = None, **kwargs) -> ActionRule:
    return ActionRule(code=code.value, label=code.label, from_states=frozenset(from_states), who=who,
                      to_state=to_state, **kwargs)


INSTRUMENT_ACTIONS = ActionTable(
    object_type="instruments.instrument", noun="文书", target="instrument", services="qingshan.instruments.services",
    state_labels=MappingProxyType(dict(State.choices)),
    rules=[
        _rule(Action.EDIT, {State.DRAFT}, ISSUER, form=f.InstrumentEditForm, api_input=s.InstrumentEditInput,
              refused="文书已签发，不能再修改；如有错误请作废后重新起草。"),
        _rule(Action.ISSUE, {State.DRAFT}, ISSUER, State.ISSUED, form=f.NoteForm, api_input=s.InstrumentNoteInput),
        _rule(Action.REPLY, AWAITING_REPLY, RECIPIENT, State.REPLIED, form=f.ReplyForm,
              api_input=s.InstrumentReplyInput),
        _rule(Action.ACCEPT, {State.REPLIED}, ISSUER, State.ACCEPTED, form=f.ReviewForm,
              api_input=s.InstrumentReviewInput,
              fixed=MappingProxyType({"accept": True})),
        _rule(Action.RETURN, {State.REPLIED}, ISSUER, State.RETURNED, form=f.ReviewForm,
              api_input=s.InstrumentReviewInput,
              fixed=MappingProxyType({"accept": False})),
        _rule(Action.FOLLOW_UP, {State.ACCEPTED}, ISSUER, form=f.FollowUpForm, api_input=s.InstrumentFollowUpInput),
        _rule(Action.CLOSE, {State.ACCEPTED}, ISSUER, State.CLOSED, form=f.CloseForm, api_input=s.InstrumentCloseInput),
        _rule(Action.URGE, AWAITING_REPLY, ISSUER, form=f.NoteForm, api_input=s.InstrumentNoteInput),
        _rule(Action.GENERATE, ISSUED_STATES, ISSUER, form=f.EmptyForm, api_input=s.InstrumentEmptyInput),
        _rule(Action.NOTE, State.values, ISSUER, form=f.InternalNoteForm, api_input=s.InstrumentInternalNoteInput),
        _rule(Action.VOID, {State.DRAFT, State.ISSUED}, ISSUER, State.VOIDED, form=f.VoidForm,
              api_input=s.InstrumentVoidInput,
              refusals=MappingProxyType({State.REPLIED: "主送单位已回复的文书不能作废。"})),
    ],
)
