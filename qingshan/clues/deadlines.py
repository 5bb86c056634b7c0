"""The discipline loop's watched deadlines (domain §5, §8), as deadline kinds the reminder engine sweeps.

Titles are neutral (the clue's reference only): a reminder may go out by e-mail or a group robot, and nothing of the
report, the reported person or the reporter travels with it. Recipients and visibility both go through
access/clues.py, so nobody hard-blocked from a clue is reminded of it or sees its reminder.
"""
from collections.abc import Collection, Mapping, Sequence

from django.db.models import QuerySet
from django.urls import reverse

from qingshan.access.clues import LEADER_ROLES, TEAM_ROLES, handlers_of, visible_clues, visible_quarter_dues
from qingshan.core.deadlines import DeadlineKind

from .choices import ACCEPTED_STATES, State
from .models import Clue, InquiryLetter, QuarterDue


def clue_title(clue: Clue) -> str:
    return f"问题线索 {clue.reference}"


def clue_url(clue: Clue) -> str:
    return reverse("clues:detail", args=[clue.pk])


def _part(part: str):
    def recipients(clues: Sequence[Clue]) -> Mapping[int, Collection[int]]:
        return handlers_of(clues, part)
    return recipients


def visible_letters(user) -> QuerySet[InquiryLetter]:
    """函询 letters of the clues `user` may see."""
    return InquiryLetter.objects.filter(clue__in=visible_clues(user).values("pk"))


def _by_letter(part: str):
    def recipients(letters: Sequence[InquiryLetter]) -> Mapping[int, Collection[int]]:
        per_clue = handlers_of([letter.clue for letter in letters], part)
        return {letter.pk: per_clue.get(letter.clue_id, ()) for letter in letters}
    return recipients


def _office_members(roles: frozenset, *, of_commission: bool):
    """Bulk recipients of a quarterly report-back owed: the office's own team, or its commission's leaders. Nobody
    is hard-blocked from an office's report-back as such (it names no clue; its figures are counted per reader)."""
    def recipients(dues: Sequence[QuarterDue]) -> Mapping[int, Collection[int]]:
        from qingshan.orgs.models import Membership, Organisation

        org_of = {due.pk: due.office_id for due in dues}
        if of_commission:
            parents = dict(Organisation.objects.filter(pk__in=set(org_of.values())).values_list("pk", "parent_id"))
            org_of = {pk: parents.get(office_id) for pk, office_id in org_of.items()}
        rows = Membership.objects.filter(organisation_id__in={o for o in org_of.values() if o}, role__in=roles,
                                         is_active=True, user__is_active=True).values_list("organisation_id",
                                                                                            "user_id")
        by_org: dict[int, set[int]] = {}
        for org_id, user_id in rows:
            by_org.setdefault(org_id, set()).add(user_id)
        return {pk: by_org.get(org_id, set()) if org_id else set() for pk, org_id in org_of.items()}
    return recipients


def quarter_title(due: QuarterDue) -> str:
    return f"{due.office.name}{due.year}年第{due.quarter}季度办理结果回告信访室"


def _nobody(items: Sequence) -> Mapping[int, Collection[int]]:
    return {}


def _clue_kind(code: str, label: str, watched, field: str, part: str, **kwargs) -> DeadlineKind:
    return DeadlineKind(code=code, label=label, watched=watched, deadline_field=field, title=clue_title,
                        url=clue_url, recipients=_part(part), escalation_recipients=_part("leader"),
                        visible=visible_clues, page="clues:detail", confidential=True, **kwargs)


DEADLINE_KINDS = [
    _clue_kind("clues.acceptance_notice", "受理告知期限",
               lambda: Clue.objects.filter(is_real_name=True, acceptance_notified_on__isnull=True,
                                           acceptance_notice_due__isnull=False, state__in=ACCEPTED_STATES),
               "acceptance_notice_due", "xinfang", default_blue_days=3),
    _clue_kind("clues.forward_up", "上交期限", lambda: Clue.objects.filter(state=State.UP_PENDING),
               "forward_due", "xinfang", default_blue_days=1),
    _clue_kind("clues.down_accept", "下转接收期限", lambda: Clue.objects.filter(state=State.DOWN_PENDING),
               "down_accept_due", "lower", default_blue_days=1),
    _clue_kind("clues.shelved_review", "暂存待查复查", lambda: Clue.objects.filter(state=State.SHELVED),
               "review_due", "team", default_blue_days=5, default_escalate_after_days=10),
    _clue_kind("clues.result_notice", "结果告知期限",
               lambda: Clue.objects.filter(is_real_name=True, result_notified_on__isnull=True,
                                           result_notice_due__isnull=False),
               "result_notice_due", "xinfang", default_blue_days=3),
    DeadlineKind(
        code="clues.inquiry_reply", label="函询回复期限",
        watched=lambda: InquiryLetter.objects.filter(replied_on__isnull=True, clue__state=State.INQUIRY)
        .select_related("clue"),
        deadline_field="reply_due", title=lambda letter: f"函询 {letter.number}",
        url=lambda letter: clue_url(letter.clue), recipients=_by_letter("team"),
        escalation_recipients=_by_letter("leader"), visible=visible_letters, title_related=("clue",),
        page="clues:detail", default_blue_days=3, confidential=True,
    ),
    # The offices' quarterly report-back of closed results to 信访室: owed once an office closes a clue in a quarter,
    # met when it reports (QuarterDue.report).
    DeadlineKind(
        code="clues.quarter_report", label="季度回告期限",
        watched=lambda: QuarterDue.objects.filter(report__isnull=True).select_related("office"),
        deadline_field="due_on", title=quarter_title, url=lambda due: reverse("clues:quarter"),
        recipients=_office_members(TEAM_ROLES, of_commission=False),
        escalation_recipients=_office_members(LEADER_ROLES, of_commission=True),
        visible=visible_quarter_dues, title_related=("office",), unit="office", page="clues:quarter",
        default_blue_days=5, confidential=True,
    ),
    # A notice (core/notices.py), not a deadline: a clue assigned to a team.
    DeadlineKind(code="clues.assigned", label="线索分办", watched=Clue.objects.all, deadline_field="received_on",
                 title=clue_title, url=clue_url, recipients=_nobody, escalation_recipients=_nobody,
                 visible=visible_clues, notice=True, page="clues:detail", confidential=True),
]
