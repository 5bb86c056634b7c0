"""One action table per aggregate: every state-changing action as one rule that every surface reads.

A rule says which states the action may be taken from, who may take it (a role name the aggregate's own permission
check understands), where it leads, its input (the page's form and the API's serializer, both feeding the same
service arguments) and, once the app's services module is imported, the service that carries it out.

- Services read their target state and their state check from the rule (`rule.to_state`, `rule.refusal(...)`), so
  the table and the behaviour cannot drift apart.
- The page view, the generic API endpoint (`core.api.action_urls`) and the transition-matrix tests
  (`core.testing.transitions`) call `table.run(...)`, which passes the validated input to the service as keyword
  arguments: a field that the service does not take is an error at once, never silently dropped.
- Adding an action is one rule here, one service decorated with `@TABLE.performs(code)`, and its test.
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .registry import plugins


@dataclass(frozen=True)
class ActionRule:
    """One row of an aggregate's action table."""

    code: str
    label: str
    from_states: frozenset[str]
    who: str
    to_state: str | None = None  # None: a side step, the state does not change
    form: type | None = None  # the page's input form (a Django form); None: the action has no page of its own
    api_input: type | None = None  # the API's input serializer; None: the endpoint takes no input
    api_path: str = ""  # the URL segment of its API endpoint; default: the code with dashes
    # Arguments the rule fixes for a service that several rules share (e.g. the decision of a review).
    fixed: Mapping[str, Any] = field(default_factory=dict)
    refusals: Mapping[str, str] = field(default_factory=dict)  # a refusal message per state, else the generic one
    refused: str = ""  # the refusal message of every other disallowed state, when not the generic one
    target: str = ""  # the service's keyword for the object when it is not the table's (e.g. merge's duplicate)

    @property
    def path(self) -> str:
        return self.api_path or self.code.replace("_", "-")

    def allows_state(self, state: str) -> bool:
        return state in self.from_states

    def refusal(self, state: str, state_label: str, noun: str) -> str:
        """Why the action cannot be taken from `state`, in the user's words."""
        return (self.refusals.get(state) or self.refused
                or f"{noun}当前状态为“{state_label}”，不能{self.label}。")


class ActionTable:
    """The rules of one aggregate, in the order the UI offers them, and the services that carry them out."""

    def __init__(self, *, object_type: str, noun: str, target: str, services: str, state_labels: Mapping[str, str],
                 rules: Iterable[ActionRule]):
        self.object_type = object_type  # as in the audit log, e.g. "problems.problem"
        self.noun = noun  # what the object is called in messages, e.g. 问题
        self.target = target  # the service's keyword for the object, e.g. "problem"
        self.services_module = services
        self.state_labels = state_labels
        self.rules: dict[str, ActionRule] = {}
        for rule in rules:
            if rule.code in self.rules:
                raise ValueError(f"{object_type}: action {rule.code!r} declared twice")
            self.rules[rule.code] = rule
        self._services: dict[str, Callable[..., Any]] = {}
        self._loaded = False

    def __getitem__(self, code: str) -> ActionRule:
        return self.rules[code]

    def __contains__(self, code: object) -> bool:
        return code in self.rules

    def __iter__(self):
        return iter(self.rules.values())

    def codes(self) -> list[str]:
        return list(self.rules)

    # ------------------------------------------------------------ services

    def performs(self, *codes: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: the service carries out these actions (of this table)."""
        def register(service: Callable[..., Any]) -> Callable[..., Any]:
            for code in codes:
                if code not in self.rules:
                    raise ValueError(f"{self.object_type}: {service.__name__} performs unknown action {code!r}")
                self._services[code] = service
            return service
        return register

    def service(self, code: str) -> Callable[..., Any]:
        if not self._loaded:
            # The decorators register on import: the table's own services first, then other apps' `<app>/actions.py`
            # (e.g. collaboration performs the work loop's 移送协作单位 as a partner transfer), which take their
            # actions over. Looked up on first use, so that starting Django loads no app's services.
            importlib.import_module(self.services_module)
            plugins("actions")
            self._loaded = True
        return self._services[code]

    def parameters(self, code: str) -> set[str]:
        """The input names the action's service accepts (besides the actor, the object and the fixed ones)."""
        rule = self.rules[code]
        names = set(inspect.signature(self.service(code)).parameters)
        return names - {"actor", rule.target or self.target} - set(rule.fixed)

    def run(self, code: str, *, actor, target, data: Mapping[str, Any] | None = None) -> Any:
        """Carry out `code` on `target` through its service with validated input; what the service returns."""
        rule = self.rules[code]
        return self.service(code)(actor=actor, **{rule.target or self.target: target}, **rule.fixed, **(data or {}))

    # ------------------------------------------------------------ states

    def state_label(self, state: str) -> str:
        return self.state_labels.get(state, state)

    def check_state(self, code: str, state: str, error: Callable[[str], Exception]) -> ActionRule:
        """The rule of `code`, or `error(message)` raised when the object's state does not allow it."""
        rule = self.rules[code]
        if not rule.allows_state(state):
            raise error(rule.refusal(state, self.state_label(state), self.noun))
        return rule

    def leads_to(self, code: str) -> str:
        """The state `code` leads to (a rule of a side step, which leads nowhere, has none to give)."""
        to_state = self.rules[code].to_state
        if to_state is None:
            raise ValueError(f"{self.object_type}: {code} is a side step and changes no state")
        return to_state

    def allowed(self, state: str, may: Callable[[ActionRule], bool]) -> list[str]:
        """The actions allowed from `state` to someone for whom `may(rule)` holds, in table order."""
        return [r.code for r in self.rules.values() if r.allows_state(state) and may(r)]
