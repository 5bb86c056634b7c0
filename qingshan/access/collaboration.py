"""Who sees a 会商 and its tasks: the commission side within its jurisdiction, the convening body, and the bodies
that take part (a partner or unit sees the meetings it was invited to, never the others)."""
from django.db.models import Q, QuerySet

from qingshan.collaboration.models import (
    Consultation,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionSite,
    Interview,
    PartnerTransfer,
    RegionTransfer,
    Task,
)
from qingshan.core.errors import NotFound
from qingshan.orgs.models import User

from .actors import ActorProfile, profile_of


def visible_consultations(user: User) -> QuerySet[Consultation]:
    profile = profile_of(user)
    if not profile.org_ids:
        return Consultation.objects.none()
    condition = Q(convened_by_id__in=profile.org_ids) | Q(participants__in=profile.org_ids)
    for path in profile.jurisdiction_paths:
        condition |= Q(convened_by__region__path__startswith=path)
    ids = Consultation.objects.filter(condition).values("pk")
    return Consultation.objects.filter(pk__in=ids)


def access_consultation(user: User, pk: int | str) -> Consultation:
    if not str(pk).isdigit():
        raise NotFound("会商不存在或无权查看。")
    found = visible_consultations(user).select_related("convened_by", "created_by").filter(pk=pk).first()
    if found is None:
        raise NotFound("会商不存在或无权查看。")
    return found


def visible_tasks(user: User) -> QuerySet[Task]:
    return Task.objects.filter(Q(consultation__in=visible_consultations(user).values("pk"))
                               | Q(interview__in=visible_interviews(user).values("pk")))


def may_convene(user: User, consultation: Consultation) -> bool:
    """Recording, deciding and closing belong to the supervisors of the convening body."""
    return any(org.pk == consultation.convened_by_id for org in profile_of(user).supervising)


def may_complete(user: User, task: Task) -> bool:
    """The assignee body reports its task done: any of its working members (not a read-only leader)."""
    profile = profile_of(user)
    return any(m.organisation_id == task.assignee_id and m.role != "readonly_leader" for m in profile.memberships)


def assigned_tasks(user: User) -> QuerySet[Task]:
    """Tasks of the bodies the user works in."""
    profile = profile_of(user)
    return Task.objects.filter(assignee_id__in=profile.org_ids) if profile.org_ids else Task.objects.none()


def visible_transfers(user: User) -> QuerySet[RegionTransfer]:
    """Transfers of problems the user may see, for the supervising side."""
    from .problems import visible_problems

    if not profile_of(user).supervising:
        return RegionTransfer.objects.none()
    return RegionTransfer.objects.filter(problem__in=visible_problems(user).values("pk"))


def _bodies_condition(profile: ActorProfile, led_by: str, participants: str) -> Q:
    """The leading body, the participating bodies, and the commission side over the leading body's region."""
    condition = Q(**{f"{led_by}_id__in": profile.org_ids}) | Q(**{f"{participants}__in": profile.org_ids})
    for path in profile.jurisdiction_paths:
        condition |= Q(**{f"{led_by}__region__path__startswith": path})
    return condition


def visible_inspections(user: User) -> QuerySet[Inspection]:
    """A joint inspection is seen by its leading and participating bodies, the commission side above the leading
    body, and the people on its teams; no one else."""
    profile = profile_of(user)
    if not profile.org_ids:
        return Inspection.objects.none()
    condition = (_bodies_condition(profile, "led_by", "participants") | Q(teams__members=user)
                 | Q(teams__leader=user))
    return Inspection.objects.filter(pk__in=Inspection.objects.filter(condition).values("pk"))


def access_inspection(user: User, pk: int | str) -> Inspection:
    found = (visible_inspections(user).select_related("led_by", "created_by").filter(pk=pk).first()
             if str(pk).isdigit() else None)
    if found is None:
        raise NotFound("协同监督检查不存在或无权查看。")
    return found


def may_lead(user: User, obj: Inspection | Interview) -> bool:
    """Planning, starting, finishing and turning findings into problems belong to the supervisors of the leading
    body."""
    return any(org.pk == obj.led_by_id for org in profile_of(user).supervising)


def may_record_finding(user: User, site: InspectionSite) -> bool:
    """On site: the leader and members of the team that inspects this site, and the leading body's supervisors."""
    team = site.team
    return (team.leader_id == user.pk or team.members.filter(pk=user.pk).exists()
            or may_lead(user, site.inspection))


def access_finding_photo(user: User, pk: int | str) -> FindingPhoto:
    found = (FindingPhoto.objects.select_related("finding").filter(
        pk=pk, finding__site__inspection__in=visible_inspections(user).values("pk")).first()
             if str(pk).isdigit() else None)
    if found is None:
        raise NotFound("未找到该附件，或您无权查看。")
    return found


def visible_findings(user: User) -> QuerySet[Finding]:
    return Finding.objects.filter(site__inspection__in=visible_inspections(user).values("pk"))


def visible_interviews(user: User) -> QuerySet[Interview]:
    """A joint interview is seen by the bodies on either side of the table and the commission side above the
    leading body."""
    profile = profile_of(user)
    if not profile.org_ids:
        return Interview.objects.none()
    condition = _bodies_condition(profile, "led_by", "parties__organisation")
    return Interview.objects.filter(pk__in=Interview.objects.filter(condition).values("pk"))


def access_interview(user: User, pk: int | str) -> Interview:
    found = (visible_interviews(user).select_related("led_by", "created_by").filter(pk=pk).first()
             if str(pk).isdigit() else None)
    if found is None:
        raise NotFound("联合约谈不存在或无权查看。")
    return found


def visible_partner_transfers(user: User) -> QuerySet[PartnerTransfer]:
    """The receiving partner body sees its transfers (and through them only what was shared); the supervising side
    sees the transfers of the problems it may see."""
    from .problems import visible_problems

    profile = profile_of(user)
    condition = Q(partner_id__in=profile.partner_ids) if profile.partner_ids else Q(pk__in=[])
    if profile.supervising:
        condition |= Q(problem__in=visible_problems(user).values("pk"))
    return PartnerTransfer.objects.filter(condition)


def access_partner_transfer(user: User, pk: int | str) -> PartnerTransfer:
    found = (visible_partner_transfers(user).select_related("partner", "sender_org", "sent_by", "signed_by")
             .filter(pk=pk).first() if str(pk).isdigit() else None)
    if found is None:
        raise NotFound("移送记录不存在或无权查看。")
    return found


def may_receive(user: User, transfer: PartnerTransfer) -> bool:
    """Signing and returning the result belong to the partner body's working members."""
    return any(m.organisation_id == transfer.partner_id and m.role != "readonly_leader"
               for m in profile_of(user).memberships)


def may_review_transfer(user: User, transfer: PartnerTransfer) -> bool:
    """Reviewing and chasing belong to the supervisors of the sending body."""
    return any(org.pk == transfer.sender_org_id for org in profile_of(user).supervising)
