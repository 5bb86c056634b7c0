"""协同监督检查: a supervising body plans a joint inspection with other bodies, forms teams of their people, assigns
each team its sites and dates, starts the inspection; the teams record what they find on site (with photos); the
leading body registers each finding as a problem through the problems service (source 协同监督检查, the problem
names the inspection, the finding keeps the problem) or records why not; the inspection is finished with a summary
once no finding waits. Each step checks permission and state (transitions.py) and is audited in its transaction."""
import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.collaboration import may_lead, may_record_finding
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.uploads import checked_sha256, content_type_for, files_removed_on_failure
from qingshan.orgs.models import Organisation, Region, User
from qingshan.problems.models import Category, Problem, Source
from qingshan.problems.services import problem_create

from .choices import FindingState
from .choices import InspectionAction as Action
from .models import Finding, FindingPhoto, Inspection, InspectionSite, InspectionTeam
from .transitions import FINDING_ACTIONS, INSPECTION_ACTIONS

INSPECTION_TYPE, FINDING_TYPE = "collaboration.inspection", "collaboration.finding"
# The problem source of findings; reference data like the others, created on first use where the admin has not.
SOURCE_CODE, SOURCE_NAME = "joint_inspection", "协同监督检查"
MAX_PHOTOS = 9


def _required(value: str, message: str, field: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, field=field)
    if limit and len(value) > limit:
        raise ServiceError(f"内容过长（最多 {limit} 字）。", field=field)
    return value


def _locked(inspection: Inspection, actor: User, code: str) -> Inspection:
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if not may_lead(actor, inspection):
        raise PermissionRefused("只有牵头单位的监督人员可以办理此事项。")
    INSPECTION_ACTIONS.check_state(code, inspection.state, ServiceError)
    return inspection


def _bodies_of(user: User) -> set[int]:
    return set(profile_of(user).org_ids)


@transaction.atomic
def inspection_create(*, actor: User, title: str, starts_on: dt.date, ends_on: dt.date,
                      participants: Iterable[Organisation], scope: str = "") -> Inspection:
    """制定检查计划: led by the actor's supervising body, with the bodies taking part and the dates."""
    supervising = profile_of(actor).supervising
    if not supervising:
        raise PermissionRefused("只有纪检监察机构的工作人员可以制定协同监督检查计划。")
    title = _required(title, "请填写检查名称。", "title", 200)
    if starts_on is None or ends_on is None:
        raise ServiceError("请填写检查的开始和结束日期。", field="starts_on")
    if ends_on < starts_on:
        raise ServiceError("结束日期不能早于开始日期。", field="ends_on")
    bodies = [b for b in participants if b.pk != supervising[0].pk]
    if not bodies:
        raise ServiceError("请至少选择一个参加单位。", field="participants")
    inspection = Inspection.objects.create(title=title, led_by=supervising[0], starts_on=starts_on, ends_on=ends_on,
                                           scope=(scope or "").strip(), created_by=actor)
    inspection.participants.set(bodies)
    record_event(object_type=INSPECTION_TYPE, object_id=inspection.pk, action=Action.CREATE, actor=actor,
                 actor_org=supervising[0], to_state=inspection.state,
                 payload={"title": title, "participants": [str(b) for b in bodies],
                          "dates": [starts_on.isoformat(), ends_on.isoformat()]})
    return inspection


@INSPECTION_ACTIONS.performs(Action.TEAM)
@transaction.atomic
def inspection_add_team(*, actor: User, inspection: Inspection, name: str, leader: User,
                        members: Iterable[User]) -> InspectionTeam:
    """组建检查组: a leader and members, each working in the leading body or a participating body; a team drawn from
    several bodies is the point of a joint inspection."""
    inspection = _locked(inspection, actor, Action.TEAM)
    name = _required(name, "请填写检查组名称。", "name", 50)
    if inspection.teams.filter(name=name).exists():
        raise ServiceError(f"已有名为“{name}”的检查组。", field="name")
    if leader is None:
        raise ServiceError("请选择组长。", field="leader")
    people = [leader, *[m for m in members if m.pk != leader.pk]]
    allowed = {inspection.led_by_id, *inspection.participants.values_list("pk", flat=True)}
    outsiders = [str(p) for p in people if not _bodies_of(p) & allowed]
    if outsiders:
        raise ServiceError(f"{'、'.join(outsiders)} 不是牵头单位或参加单位的人员。", field="members")
    team = InspectionTeam.objects.create(inspection=inspection, name=name, leader=leader)
    team.members.set(people[1:])
    record_event(object_type=INSPECTION_TYPE, object_id=inspection.pk, action=Action.TEAM, actor=actor,
                 from_state=inspection.state, to_state=inspection.state,
                 payload={"team": name, "leader": str(leader), "members": [str(p) for p in people[1:]]})
    return team


@INSPECTION_ACTIONS.performs(Action.SITE)
@transaction.atomic
def inspection_add_site(*, actor: User, inspection: Inspection, team: InspectionTeam, name: str, region: Region,
                        visit_on: dt.date, address: str = "", lng: Decimal | None = None,
                        lat: Decimal | None = None) -> InspectionSite:
    """安排检查点位: a place, the team that inspects it, and its date within the inspection's dates."""
    inspection = _locked(inspection, actor, Action.SITE)
    name = _required(name, "请填写检查点位。", "name", 100)
    if team is None or team.inspection_id != inspection.pk:
        raise ServiceError("请选择本次检查的检查组。", field="team")
    if region is None or not region.path.startswith(inspection.led_by.region.path):
        raise ServiceError("检查点位须在牵头单位的管辖区划内。", field="region")
    if visit_on is None or not inspection.starts_on <= visit_on <= inspection.ends_on:
        raise ServiceError(f"检查日期须在 {inspection.starts_on:%Y-%m-%d} 至 {inspection.ends_on:%Y-%m-%d} 之间。",
                           field="visit_on")
    if (lng is None) != (lat is None):
        raise ServiceError("经度和纬度须同时填写。", field="lng")
    site = InspectionSite.objects.create(inspection=inspection, team=team, name=name, region=region,
                                         visit_on=visit_on, address=(address or "").strip()[:200], lng=lng, lat=lat)
    record_event(object_type=INSPECTION_TYPE, object_id=inspection.pk, action=Action.SITE, actor=actor,
                 from_state=inspection.state, to_state=inspection.state,
                 payload={"site": name, "team": team.name, "visit_on": visit_on.isoformat()})
    return site


@INSPECTION_ACTIONS.performs(Action.START)
@transaction.atomic
def inspection_start(*, actor: User, inspection: Inspection) -> Inspection:
    """开始检查: once every team has at least one site."""
    inspection = _locked(inspection, actor, Action.START)
    if not inspection.sites.exists():
        raise ServiceError("请先安排检查组和检查点位，再开始检查。")
    idle = list(inspection.teams.filter(sites__isnull=True).values_list("name", flat=True))
    if idle:
        raise ServiceError(f"检查组 {'、'.join(idle)} 尚未安排检查点位。")
    from_state, inspection.state = inspection.state, INSPECTION_ACTIONS.leads_to(Action.START)
    inspection.save(update_fields=["state"])
    record_event(object_type=INSPECTION_TYPE, object_id=inspection.pk, action=Action.START, actor=actor,
                 from_state=from_state, to_state=inspection.state)
    return inspection


@INSPECTION_ACTIONS.performs(Action.FINISH)
@transaction.atomic
def inspection_finish(*, actor: User, inspection: Inspection, summary: str) -> Inspection:
    """完成检查: with a summary, once every finding is registered as a problem or dismissed with a reason."""
    inspection = _locked(inspection, actor, Action.FINISH)
    summary = _required(summary, "请填写检查总结。", "summary")
    waiting = Finding.objects.filter(site__inspection=inspection, state=FindingState.RECORDED).count()
    if waiting:
        raise ServiceError(f"还有 {waiting} 项检查发现未处理（立为问题或不予立项），不能完成检查。")
    from_state, inspection.state = inspection.state, INSPECTION_ACTIONS.leads_to(Action.FINISH)
    inspection.summary = summary
    inspection.save(update_fields=["state", "summary"])
    record_event(object_type=INSPECTION_TYPE, object_id=inspection.pk, action=Action.FINISH, actor=actor,
                 from_state=from_state, to_state=inspection.state)
    return inspection


def finding_record(*, actor: User, site: InspectionSite, title: str, description: str, category: Category,
                   files: Iterable[UploadedFile] = ()) -> Finding:
    """记录检查发现: by the site's team on the day, with photos checked like a problem's attachments; all or
    nothing (a refused photo leaves no finding and no stored file)."""
    with files_removed_on_failure() as stored, transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=site.inspection_id)
        if not may_record_finding(actor, site):
            raise PermissionRefused("只有该点位的检查组成员可以记录检查发现。")
        INSPECTION_ACTIONS.check_state(Action.RECORD, inspection.state, ServiceError)
        title = _required(title, "请填写发现的问题。", "title", 200)
        description = _required(description, "请填写具体情况。", "description")
        if category is None:
            raise ServiceError("请选择问题类别。", field="category")
        uploads = list(files)
        if len(uploads) > MAX_PHOTOS:
            raise ServiceError(f"每项发现最多上传 {MAX_PHOTOS} 个附件。", field="files")
        now = timezone.now()
        finding = Finding.objects.create(site=site, title=title, description=description, category=category,
                                         recorded_by=actor, recorded_at=now)
        names = []
        for upload in uploads:
            sha256 = checked_sha256(upload)
            photo = FindingPhoto(finding=finding, stored_token=secrets.token_hex(16),
                                 original_name=(upload.name or "")[:200], content_type=content_type_for(upload.name),
                                 size=upload.size or 0, sha256=sha256, uploaded_by=actor, uploaded_at=now)
            photo.file.save(photo.stored_token, upload, save=False)
            stored.append(photo.file.name)
            photo.save()
            names.append(photo.original_name)
        record_event(object_type=FINDING_TYPE, object_id=finding.pk, action=Action.RECORD, actor=actor,
                     to_state=finding.state,
                     payload={"inspection": inspection.pk, "site": site.name, "title": title, "photos": names})
    return finding


def _locked_finding(finding: Finding, actor: User, code: str) -> Finding:
    finding = (Finding.objects.select_for_update(of=("self",))
               .select_related("site__inspection__led_by", "site__region").get(pk=finding.pk))
    if not may_lead(actor, finding.site.inspection):
        raise PermissionRefused("只有牵头单位的监督人员可以处理检查发现。")
    FINDING_ACTIONS.check_state(code, finding.state, ServiceError)
    return finding


def _source() -> Source:
    source, _ = Source.objects.get_or_create(code=SOURCE_CODE, defaults={"name": SOURCE_NAME, "sort_order": 90})
    return source


@FINDING_ACTIONS.performs(Action.REGISTER)
def finding_register(*, actor: User, finding: Finding) -> Problem:
    """立为问题: the finding becomes a problem through the problems service, with its site's place and its photos
    (stored again as the problem's registration attachments, so they are served like any other); the problem's
    description names the inspection and the site, the finding keeps the problem."""
    with transaction.atomic():
        finding = _locked_finding(finding, actor, Action.REGISTER)
        site, inspection = finding.site, finding.site.inspection
        origin = f"（来源：协同监督检查“{inspection.title}”，{site.visit_on:%Y-%m-%d} 检查点位“{site.name}”。）"
        photos = list(finding.photos.all())
        opened = [File(p.file.open("rb"), name=p.original_name) for p in photos]
        try:
            problem = problem_create(actor=actor, title=finding.title, description=f"{finding.description}\n{origin}",
                                     source=_source(), category=finding.category, region=site.region,
                                     location=site.address or site.name, lng=site.lng, lat=site.lat, files=opened)
        finally:
            for f in opened:
                f.close()
        from_state = finding.state
        finding.state, finding.problem = FINDING_ACTIONS.leads_to(Action.REGISTER), problem
        finding.save(update_fields=["state", "problem"])
        record_event(object_type=FINDING_TYPE, object_id=finding.pk, action=Action.REGISTER, actor=actor,
                     from_state=from_state, to_state=finding.state,
                     payload={"inspection": inspection.pk, "problem": problem.number})
    return problem


@FINDING_ACTIONS.performs(Action.DISMISS)
@transaction.atomic
def finding_dismiss(*, actor: User, finding: Finding, reason: str) -> Finding:
    """不予立项: with the reason (e.g. 已当场整改到位, 不属于生态环境问题)."""
    finding = _locked_finding(finding, actor, Action.DISMISS)
    finding.reason = _required(reason, "请填写不予立项的理由。", "reason", 200)
    from_state, finding.state = finding.state, FINDING_ACTIONS.leads_to(Action.DISMISS)
    finding.save(update_fields=["state", "reason"])
    record_event(object_type=FINDING_TYPE, object_id=finding.pk, action=Action.DISMISS, actor=actor,
                 from_state=from_state, to_state=finding.state, reason=finding.reason)
    return finding


def finding_photo_record_download(*, actor: User, photo: FindingPhoto) -> None:
    """Log a download of a finding's photo (a read of evidence)."""
    record_event(object_type=FINDING_TYPE, object_id=photo.finding_id, action="download", actor=actor,
                 payload={"file": photo.original_name})
