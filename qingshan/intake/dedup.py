"""The duplicate scan: each problem registered since the last pass is compared with the open problems of the same
category in the same district registered in the window before it; pairs above INTAKE_DEDUP_THRESHOLD are proposed
to the registering side (an alert of a machine source has been deduplicated on arrival and is not scanned again).

Idempotent: the cursor advances in the same transaction as the proposals it found, and a pair is proposed once."""
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from qingshan.audit.services import record_event
from qingshan.problems.choices import TERMINAL_STATES
from qingshan.problems.models import Problem

from .models import Alert, DedupCursor, DuplicateProposal
from .similarity import Report, compare

BATCH = 200
WINDOW_DAYS = 30


def _district_path(path: str) -> str:
    """The region path cut to its district (city/district/…): the area within which reports are compared."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else path


def _report(problem: Problem) -> Report:
    return Report(text=f"{problem.title}\n{problem.description}", category=str(problem.category_id),
                  location=problem.location, lat=problem.lat, lng=problem.lng)


def scan_once(*, batch: int = BATCH) -> tuple[int, int]:
    """Compare the next `batch` problems registered since the last pass; returns (problems read, proposals made)."""
    with transaction.atomic():
        cursor = DedupCursor.objects.select_for_update().filter(pk=1).first()
        if cursor is None:  # switched on now: the problems registered before it are not scanned
            newest = Problem.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            DedupCursor.objects.create(pk=1, last_problem_id=newest)
            return 0, 0
        news = list(Problem.objects.filter(pk__gt=cursor.last_problem_id).order_by("pk")[:batch])
        if not news:
            return 0, 0
        machine = set(Alert.objects.filter(problem__in=news).values_list("problem_id", flat=True))
        made = sum(_propose_for(p) for p in news if p.pk not in machine and p.state not in TERMINAL_STATES)
        cursor.last_problem_id = news[-1].pk
        cursor.save(update_fields=["last_problem_id"])
    return len(news), made


def _propose_for(problem: Problem) -> int:
    since = problem.received_at - dt.timedelta(days=WINDOW_DAYS)
    candidates = (Problem.objects.filter(category_id=problem.category_id,
                                         region_path__startswith=_district_path(problem.region_path),
                                         received_at__gte=since, pk__lt=problem.pk)
                  .exclude(state__in=TERMINAL_STATES).only("pk", "number", "title", "description", "location", "lat",
                                                            "lng", "category_id")[:500])
    new = _report(problem)
    made = 0
    for old in candidates:
        match = compare(new, _report(old))
        if match.score < settings.INTAKE_DEDUP_THRESHOLD:
            continue
        proposal, created = DuplicateProposal.objects.get_or_create(
            problem=problem, candidate=old, defaults={
                "score": Decimal(str(round(match.score, 3))),
                "distance_m": round(match.distance) if match.distance is not None else None})
        if created:
            made += 1
            record_event(object_type="intake_duplicate", object_id=proposal.pk, action="propose", payload={
                "problem": problem.number, "candidate": old.number, "score": float(proposal.score),
                "distance_m": proposal.distance_m, "threshold": settings.INTAKE_DEDUP_THRESHOLD,
                "rule": "同类别、同一区县、地点相同或相近、文字相似"})
    return made
