"""How each action of the transition table is carried out from a validated form: one line per service call.

Shared by the web pages; the API has its own serializers but calls the same services.
"""
from qingshan.access.problems import visible_problems
from qingshan.core.errors import ServiceError

from . import services
from .choices import Action
from .models import Problem


def run_action(*, action: str, actor, problem: Problem, data: dict):
    """Call the service behind `action` with the form's cleaned data; returns what the service returns."""
    d = data
    runners = {
        Action.DISPATCH: lambda: services.problem_dispatch(
            actor=actor, problem=problem, lead_unit=d["lead_unit"], co_units=d.get("co_units") or [],
            handle_deadline=d.get("handle_deadline"), note=d.get("note", "")),
        Action.REASSIGN: lambda: services.problem_reassign(
            actor=actor, problem=problem, lead_unit=d["lead_unit"], co_units=d.get("co_units") or [],
            handle_deadline=d.get("handle_deadline"), reason=d["reason"]),
        Action.SIGN: lambda: services.problem_sign(actor=actor, problem=problem),
        Action.RETURN: lambda: services.problem_return(actor=actor, problem=problem, reason=d["reason"]),
        Action.START: lambda: services.problem_start(actor=actor, problem=problem, note=d.get("note", "")),
        Action.REQUEST_EXTENSION: lambda: services.problem_request_extension(
            actor=actor, problem=problem, requested_deadline=d["requested_deadline"], reason=d["reason"]),
        Action.APPROVE_EXTENSION: lambda: services.problem_decide_extension(
            actor=actor, problem=problem, approve=True, deadline=d.get("deadline"), reason=d.get("reason", "")),
        Action.REJECT_EXTENSION: lambda: services.problem_decide_extension(
            actor=actor, problem=problem, approve=False, reason=d.get("reason", "")),
        Action.REPLY: lambda: services.problem_reply(
            actor=actor, problem=problem, text=d["text"], files=d.get("files") or []),
        Action.REVISIT: lambda: services.problem_revisit(
            actor=actor, problem=problem, satisfied=d["satisfied"], resolved=d["resolved"], note=d.get("note", "")),
        Action.URGE: lambda: services.problem_urge(actor=actor, problem=problem, note=d["note"]),
        Action.ESCALATE: lambda: services.problem_escalate(
            actor=actor, problem=problem, level=d["level"], reason=d["reason"]),
        Action.MERGE: lambda: services.problem_merge(
            actor=actor, duplicate=problem, primary=_visible_by_number(actor, d["primary_number"]),
            reason=d["reason"]),
        Action.SHARE: lambda: services.problem_share(
            actor=actor, problem=problem, partner=d["partner"], reason=d["reason"]),
        Action.RESTRICT: lambda: services.problem_restrict(
            actor=actor, problem=problem, users=d.get("users") or [], reason=d["reason"]),
    }
    for decision in (Action.APPROVE, Action.APPROVE_STAGE, Action.REJECT):
        runners[decision] = lambda decision=decision: services.problem_review(
            actor=actor, problem=problem, decision=decision, comment=d.get("comment", ""),
            internal=d.get("internal", False))
    return runners[action]()


def _visible_by_number(actor, number: str) -> Problem:
    problem = visible_problems(actor).filter(number=number).first()
    if problem is None:
        raise ServiceError(f"没有编号为 {number} 的问题，或您无权查看。", field="primary_number")
    return problem
