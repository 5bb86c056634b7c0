"""The triage (研判) action table of a model hit: each action's states, who may take it, where it leads, its input.

The services (`hit_confirm`, `hit_verify`, `hit_dismiss`) read their state check and target state from here, and the
triage row and hit page ask it which buttons to show.
"""
from types import MappingProxyType

from qingshan.core.actions import ActionRule, ActionTable

from . import forms as f
from . import serializers as s
from .choices import Action, HitState

# The supervisors of the model's commission (datacheck's acting_org); the only role that triages.
TRIAGER = "triager"
UNDECIDED = frozenset({HitState.NEW, HitState.VERIFYING})

HIT_ACTIONS = ActionTable(
    object_type="datacheck.hit", noun="该线索", target="hit", services="qingshan.datacheck.services",
    state_labels=MappingProxyType(dict(HitState.choices)),
    rules=[
        ActionRule(code=Action.CONFIRM.value, label="转为问题", from_states=UNDECIDED, who=TRIAGER,
                   to_state=HitState.CONVERTED, form=f.ConfirmForm, api_input=s.HitConfirmInput),
        ActionRule(code=Action.VERIFY.value, label="转核查", from_states=frozenset({HitState.NEW}), who=TRIAGER,
                   to_state=HitState.VERIFYING, form=f.VerifyForm, api_input=s.HitVerifyInput),
        ActionRule(code=Action.DISMISS.value, label="排除", from_states=UNDECIDED, who=TRIAGER,
                   to_state=HitState.DISMISSED, form=f.DismissForm, api_input=s.HitDismissInput),
    ],
)
