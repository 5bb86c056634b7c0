"""The transition-matrix base: every role × every state × every action of an aggregate's action table.

An aggregate's test module instantiates `TransitionMatrix` with its table, its roles and states, the domain's
oracle (`may`: whether a role may take a rule's action from a state, written from the domain brief, not from the
table), how to build an object in a state, and a valid input for each action. The base then gives:
- `allowed()`: the (action, state, role) cells the oracle allows, to parametrise "allowed succeeds";
- `perform()`: the action through `table.run` — the same path the pages and the API take;
- `check_refusals()`: every other action, by that role from every state, refused with its message, changing nothing
  and writing no audit event;
- `check_inputs_reach_services()`: every field of each rule's page form and API input is an argument of its service
  (nothing a user types is silently dropped).
Imports no app: everything specific comes in through the constructor.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from qingshan.core.actions import ActionRule, ActionTable
from qingshan.core.errors import ServiceError


@dataclass
class TransitionMatrix:
    table: ActionTable
    roles: list[str]
    states: list[str]
    may: Callable[[str, ActionRule, str], bool]  # (role, rule, state) -> allowed, from the domain's words
    build: Callable[[Any, str, str], Any]  # (world, action, state) -> an object in that state, ready for the action
    example: Callable[[Any, str, Any], dict]  # (world, action, object) -> a valid input for the action
    snapshot: Callable[[Any], Any]  # object -> everything an action could change, read from the database
    events: Callable[[], int]  # how many audit events exist
    refusal: Callable[[str, str], str] | None = None  # (action, state) -> the expected message of a refusal
    # (action, object) -> what the action's service takes, when a rule acts on a part (e.g. a slot's latest report)
    target_of: Callable[[str, Any], Any] = lambda action, obj: obj
    # (action, state) -> True where the action has nothing to act on at all (no report to review before one exists)
    inapplicable: Callable[[str, str], bool] = lambda action, state: False
    # object -> its audit events, oldest first, as (action, from_state, to_state): what `check_allowed` reads
    object_events: Callable[[Any], list[tuple[str, str, str]]] | None = None

    def allowed(self) -> list[tuple[str, str, str]]:
        return [(rule.code, state, role) for rule in self.table for state in self.states for role in self.roles
                if self.may(role, rule, state)]

    def ids(self, cells: Iterable[tuple[str, ...]]) -> list[str]:
        return ["-".join(cell) for cell in cells]

    def perform(self, world, action: str, actor, target, data: dict | None = None):
        """Take `action` through the table with valid input, so that only the table's rules can refuse it."""
        data = self.example(world, action, target) if data is None else data
        return self.table.run(action, actor=actor, target=self.target_of(action, target), data=data)

    def check_allowed(self, world, action: str, state: str, actor, *,
                      audit_action: Callable[[str, str], str] = lambda action, state: action) -> Any:
        """`actor` takes `action` from `state`: the object reaches the rule's state, and exactly one new audit event
        of the object records the move (named `audit_action(action, state)`). Returns the object, re-read."""
        assert self.object_events is not None, "check_allowed needs object_events"
        target = self.build(world, action, state)
        before = self.object_events(target)
        self.perform(world, action, actor, target)
        target.refresh_from_db()
        expected = self.table[action].to_state or state
        assert target.state == expected, (action, state, target.state)
        after = self.object_events(target)
        assert after[:len(before)] == before and len(after) == len(before) + 1, (action, state, after[len(before):])
        assert after[-1] == (audit_action(action, state), state, expected)
        return target

    def check_refusals(self, world, role: str, actor) -> None:
        """Everything `role` may not do, from every state: refused, nothing changed, no audit event written."""
        for state in self.states:
            target = self.build(world, "", state)
            for rule in self.table:
                if self.may(role, rule, state) or self.inapplicable(rule.code, state):
                    continue
                data = self.example(world, rule.code, target)
                before, events = self.snapshot(target), self.events()
                try:
                    self.perform(world, rule.code, actor, target, data)
                except ServiceError as refused:
                    if self.refusal is not None:
                        assert refused.message == self.refusal(rule.code, state), (role, state, rule.code)
                else:
                    raise AssertionError(f"{role} took {rule.code} from {state}, which the domain forbids")
                assert self.snapshot(target) == before, (role, state, rule.code)
                assert self.events() == events, (role, state, rule.code)

    def check_inputs_reach_services(self) -> None:
        for rule in self.table:
            accepted = self.table.parameters(rule.code)
            for kind, schema in (("form", rule.form), ("api_input", rule.api_input)):
                if schema is None:
                    continue
                fields = set(getattr(schema, "base_fields", None) or schema().fields)
                dropped = fields - accepted
                assert not dropped, f"{rule.code}: {kind} fields {sorted(dropped)} are not arguments of its service"
