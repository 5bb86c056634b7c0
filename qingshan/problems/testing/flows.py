"""Drive a problem through the real services to a wanted state (tests never write states directly)."""
import datetime as dt

from qingshan.problems import services
from qingshan.problems.choices import Action, State

from .world import png


def new_problem(w, *, actor=None, region=None, source=None, title="河道排污口异常排放", **kwargs):
    """Register a problem through the real service (by default: 李监督, in the city, from a site inspection)."""
    return services.problem_create(
        actor=actor or w.officer, title=title, description="群众反映夜间有污水直排入河。",
        source=source or w.inspection, category=w.water_pollution, region=region or w.city,
        location="青山大道88号旁排口", **kwargs,
    )


def drive_to(w, state: str, *, lead=None, handler=None, region=None, **kwargs):
    """A problem in `state`, dispatched (if at all) to `lead` (default: 市生态环境局) and handled by `handler`."""
    lead = lead or w.eco
    handler = handler or w.eco_handler
    problem = new_problem(w, region=region, **kwargs)
    if state == State.RECEIVED:
        return problem
    problem = services.problem_dispatch(actor=w.officer, problem=problem, lead_unit=lead, co_units=[w.water])
    if state == State.DISPATCHED:
        return problem
    if state == State.RETURNED:
        return services.problem_return(actor=handler, problem=problem, reason="该排口属水务局管理，依据：三定方案")
    if state == State.MERGED:
        primary = new_problem(w, region=region, title="主问题")
        return services.problem_merge(actor=w.officer, duplicate=problem, primary=primary, reason="同一排口")
    problem = services.problem_sign(actor=handler, problem=problem)
    if state == State.SIGNED:
        return problem
    problem = services.problem_start(actor=handler, problem=problem)
    if state == State.IN_PROGRESS:
        return problem
    problem = services.problem_reply(actor=handler, problem=problem, text="已封堵排口并立案处罚。", files=[png()])
    if state == State.REPLIED:
        return problem
    decision = Action.APPROVE_STAGE if state == State.STAGE_CLOSED else Action.APPROVE
    problem = services.problem_review(actor=w.officer, problem=problem, decision=decision)
    if state in (State.CLOSED, State.STAGE_CLOSED):
        return problem
    return services.problem_revisit(actor=w.officer, problem=problem, satisfied=True, resolved=True)


def with_pending_extension(w, state: str, *, handler=None, **kwargs):
    """A problem in `state` (signed, in progress or replied) with an extension request awaiting decision."""
    handler = handler or w.eco_handler
    problem = drive_to(w, State.IN_PROGRESS if state == State.REPLIED else state, handler=handler, **kwargs)
    services.problem_request_extension(actor=handler, problem=problem, reason="需协调上游企业停产整治",
                                       requested_deadline=problem.handle_deadline + dt.timedelta(days=14))
    if state == State.REPLIED:
        problem = services.problem_reply(actor=handler, problem=problem, text="已完成整治。", files=[png()])
    problem.refresh_from_db()
    return problem


def restrict_only_to(problem, *users) -> None:
    """Restrict `problem` to exactly `users` (no actor added, no audit event): test data written past the service
    (which always names its actor), with the restriction copied onto the audience rows as the service does."""
    from qingshan.problems import audience
    from qingshan.problems.models import Problem

    Problem.objects.filter(pk=problem.pk).update(is_restricted=True)
    problem.is_restricted = True
    problem.restricted_to.set(users)
    audience.refresh(problem)
