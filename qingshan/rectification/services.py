"""Every change to a rectification campaign and its items: permission, the action table's state check, the write and
its audit event, in one transaction. Views, the API, the Excel import, the daily job and the demo all come here."""
import datetime as dt
import secrets
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from qingshan.access.actors import profile_of
from qingshan.access.problems import capacity_for as problem_capacity_for
from qingshan.access.rectification import (
    Capacity,
    capacity_for,
    holds_supervisor_signing_office,
    holds_unit_signing_office,
)
from qingshan.access.supervision import visible_rectifications as visible_supervision_entries
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.numbering import take_number
from qingshan.core.uploads import checked_sha256, content_type_for, files_removed_on_failure
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, Region, User, commission_of
from qingshan.problems.models import Problem
from qingshan.supervision.models import Rectification as SupervisionRectification
from qingshan.workdays.calendar import CalendarNotAvailable, add_working_days

from . import planning
from .choices import (
    APPLICABLE_PROGRESS,
    OPEN_STATES,
    Action,
    Condition,
    Granularity,
    Horizon,
    PostKind,
    Progress,
    RecheckResult,
    State,
    WarningColour,
)
from .models import Campaign, ConditionCheck, Item, Milestone, Objection, Post, PostFile, Recheck
from .transitions import (
    HANDLING_UNIT,
    ITEM_ACTIONS,
    LEAD_UNIT,
    PARTICIPANT,
    SUPERVISOR,
    SUPERVISOR_SIGNATORY,
    UNIT_SIGNATORY,
)

OBJECT_TYPE = "rectification.item"
CAMPAIGN_TYPE = "rectification.campaign"
CHECK_DAYS = 10  # working days the supervising side has for the on-site check after an application (local)
NOTICE_DAYS = 5  # default length of the public notice, in working days (local)


# ---------------------------------------------------------------- helpers


def _today() -> dt.date:
    return timezone.localdate()


def _locked(item: Item) -> Item:
    """Re-read the item under a row lock so concurrent actions cannot both pass the state check."""
    return Item.objects.select_for_update(of=("self",)).select_related(
        "lead_unit", "supervising_org", "region", "campaign").get(pk=item.pk)


def _require(text: str | None, message: str, field: str) -> str:
    if not text or not text.strip():
        raise ServiceError(message, field=field)
    return text.strip()


def _working_days_after(start: dt.date, days: int) -> dt.date:
    try:
        return add_working_days(start, days)
    except CalendarNotAvailable as exc:
        raise ServiceError(str(exc)) from exc


def _may(user: User, item: Item, capacity: Capacity, who: str) -> bool:
    """Whether `user`, acting on `item` in `capacity`, is among the `who` of a rule."""
    if who == SUPERVISOR:
        return capacity.supervisor_org is not None
    if who == LEAD_UNIT:
        return capacity.lead_unit is not None
    if who == HANDLING_UNIT:
        return capacity.lead_unit is not None or capacity.co_unit is not None
    if who == PARTICIPANT:
        return capacity.acting_org is not None
    if who == SUPERVISOR_SIGNATORY:
        return item.supervisor_signatory_id == user.pk and holds_supervisor_signing_office(user, item)
    if who == UNIT_SIGNATORY:
        return item.unit_signatory_id == user.pk and holds_unit_signing_office(user, item)
    return False


REFUSALS = {
    SUPERVISOR: "只有负责督导该整改事项的纪检监察机构人员可以{label}。",
    LEAD_UNIT: "只有该整改事项牵头责任单位的人员可以{label}。",
    HANDLING_UNIT: "只有该整改事项的牵头或配合单位人员可以{label}。",
    PARTICIPANT: "只有督导单位或责任单位的人员可以{label}。",
    SUPERVISOR_SIGNATORY: "只有现场核查时指定的督导方签字人本人（须仍任督导单位负责人）可以签字。",
    UNIT_SIGNATORY: "只有现场核查时指定的责任单位签字人本人（须仍任该单位负责人）可以签字。",
}


def _authorise(actor: User, item: Item, action: str) -> Capacity:
    """Check the action table for `action` now; raise a clear refusal otherwise. Changes nothing."""
    rule = ITEM_ACTIONS.check_state(action, item.state, ServiceError)
    capacity = capacity_for(actor, item)
    if not _may(actor, item, capacity, rule.who):
        raise PermissionRefused(REFUSALS[rule.who].format(label=rule.label))
    return capacity


def _acting_org(item: Item, capacity: Capacity, who: str) -> Organisation | None:
    if who == SUPERVISOR_SIGNATORY:
        return item.supervising_org
    if who == UNIT_SIGNATORY:
        return item.lead_unit
    return capacity.acting_org


def allowed_actions(user: User, item: Item) -> list[str]:
    """The actions `user` may take on `item` now, in table order (what the UI offers and the API accepts)."""
    capacity = capacity_for(user, item)
    allowed = ITEM_ACTIONS.allowed(item.state, lambda rule: _may(user, item, capacity, rule.who))
    if item.supervisor_signed_at:
        allowed = [a for a in allowed if a != Action.SIGN_SUPERVISOR]
    if item.unit_signed_at:
        allowed = [a for a in allowed if a != Action.SIGN_UNIT]
    if not (item.supervisor_signed_at and item.unit_signed_at):
        allowed = [a for a in allowed if a != Action.PUBLISH]  # offered once both have signed
    return allowed


def _audit(item: Item, *, actor: User | None, org: Organisation | None, action: str, from_state: str,
           reason: str = "", payload: dict | None = None, internal: bool = False) -> None:
    record_event(object_type=OBJECT_TYPE, object_id=item.pk, action=action, actor=actor, actor_org=org,
                 from_state=from_state, to_state=item.state, reason=reason[:500], payload=payload, internal=internal)


def _move(item: Item, action: str) -> None:
    item.state = State(ITEM_ACTIONS.leads_to(action))


def _store_files(*, actor: User, post: Post, files: Iterable[UploadedFile], stored: list[str]) -> list[PostFile]:
    """Save each checked upload of a post; storage names go to `stored` so a failed service removes them."""
    saved = []
    for upload in files:
        sha256 = checked_sha256(upload)
        record = PostFile(post=post, stored_token=secrets.token_hex(16), original_name=(upload.name or "")[:200],
                          content_type=content_type_for(upload.name or ""), size=upload.size or 0, sha256=sha256,
                          uploaded_by=actor, uploaded_at=timezone.now())
        record.file.save(record.stored_token, upload, save=False)
        stored.append(record.file.name)
        record.save()
        saved.append(record)
    return saved


# ---------------------------------------------------------------- warning colour


def _recompute_warning(item: Item, today: dt.date) -> bool:
    """Compute and store the item's colour from its milestones; True when it changed (the change is audited)."""
    if item.state not in OPEN_STATES:
        colour = planning.Colour(WarningColour.GREEN, 0)
    else:
        due_dates = list(item.milestones.filter(done_on__isnull=True).values_list("due_on", flat=True))
        colour = planning.warning_for(today=today, deadline=item.deadline, open_due_dates=due_dates)
    changed = (item.warning, item.missed_milestones) != (colour.warning, colour.missed)
    before = item.warning
    item.warning, item.missed_milestones, item.warning_on = colour.warning, colour.missed, today
    Item.objects.filter(pk=item.pk).update(warning=item.warning, missed_milestones=item.missed_milestones,
                                           warning_on=today)
    if before != colour.warning:
        record_event(object_type=OBJECT_TYPE, object_id=item.pk, action=Action.WARNING, actor=None,
                     from_state=item.state, to_state=item.state, internal=True,
                     payload={"from": before, "to": colour.warning, "missed": colour.missed})
    return changed


def warnings_refresh(*, today: dt.date | None = None, batch: int = 2000) -> int:
    """The daily job: recompute the stored colour of every item still being worked on; returns how many changed.

    Counts the missed milestones of all open items in one grouped query per batch, then updates only the items whose
    colour or count moved (each colour change audited), so a day with nothing new writes nothing.
    """
    today = today or _today()
    changed = 0
    open_items = Item.objects.filter(state__in=OPEN_STATES).order_by("pk")
    last = 0
    while True:
        rows = list(open_items.filter(pk__gt=last).annotate(
            missed=Count("milestones", filter=Q(milestones__done_on__isnull=True, milestones__due_on__lt=today)),
        ).values("pk", "state", "deadline", "warning", "missed_milestones", "missed")[:batch])
        if not rows:
            break
        last = rows[-1]["pk"]
        with transaction.atomic():
            for row in rows:
                colour = planning.warning_for(today=today, deadline=row["deadline"],
                                              open_due_dates=[dt.date.min] * row["missed"])
                if (colour.warning, colour.missed) == (row["warning"], row["missed_milestones"]):
                    continue
                Item.objects.filter(pk=row["pk"]).update(warning=colour.warning, missed_milestones=colour.missed,
                                                         warning_on=today)
                if colour.warning != row["warning"]:
                    record_event(object_type=OBJECT_TYPE, object_id=row["pk"], action=Action.WARNING, actor=None,
                                 from_state=row["state"], to_state=row["state"], internal=True,
                                 payload={"from": row["warning"], "to": colour.warning, "missed": colour.missed})
                changed += 1
    # Items that left the open states keep no warning.
    Item.objects.exclude(state__in=OPEN_STATES).exclude(warning=WarningColour.GREEN).update(
        warning=WarningColour.GREEN, missed_milestones=0, warning_on=today)
    return changed


# ---------------------------------------------------------------- campaigns and items


def _commission_for(actor: User) -> Organisation:
    for org in profile_of(actor).supervising:
        commission = commission_of(org, through_stationed_group=True)
        if commission is not None:
            return commission
    raise PermissionRefused("只有纪检监察机构的工作人员可以建立整改工作。")


def campaign_create(*, actor: User, name: str, year: int, basis: str = "") -> Campaign:
    """Open a rectification campaign (e.g. 第二轮中央生态环境保护督察反馈问题整改) for the actor's commission."""
    commission = _commission_for(actor)
    name = _require(name, "请填写整改工作名称。", "name")
    if not 2000 <= year <= 2099:
        raise ServiceError("年度应在 2000 至 2099 之间。", field="year")
    with transaction.atomic():
        campaign = Campaign.objects.create(name=name[:200], year=year, basis=(basis or "").strip()[:200],
                                           commission=commission, created_by=actor, created_at=timezone.now())
        record_event(object_type=CAMPAIGN_TYPE, object_id=campaign.pk, action=Action.CREATE, actor=actor,
                     actor_org=commission, payload={"name": campaign.name, "year": year})
    return campaign


def _supervisor_org_for(actor: User, *, region: Region, lead_unit: Organisation) -> Organisation:
    """The organisation the actor supervises this item for: a commission office with jurisdiction over the region,
    or a stationed group sitting in the lead unit."""
    profile = profile_of(actor)
    for org in profile.supervising:
        commission = commission_of(org)
        if commission is not None and region.path.startswith(commission.region.path):
            return org
        if org.kind == OrgKind.STATIONED_GROUP and any(u.pk == lead_unit.pk for u in org.supervised_units.all()):
            return org
    raise PermissionRefused("您无权为该地区或该单位建立整改事项。")


def item_create(*, actor: User, campaign: Campaign, title: str, feedback: str, region: Region,
                lead_unit: Organisation, deadline: dt.date, supervising_org: Organisation | None = None,
                co_units: Sequence[Organisation] = (), problem: Problem | None = None, horizon: str = Horizon.SHORT,
                action: str = Action.CREATE) -> Item:
    """建账: one feedback item of a campaign, addressed to its lead unit, numbered ZG-<year>-<n> without gaps;
    supervised by `supervising_org`, else by the group stationed in the lead unit, else by the opener's organisation."""
    title = _require(title, "请填写整改事项。", "title")
    feedback = _require(feedback, "请填写督察反馈问题。", "feedback")
    if lead_unit.kind != OrgKind.UNIT:
        raise ServiceError(f"“{lead_unit}”不是责任单位。", field="lead_unit")
    if any(u.kind != OrgKind.UNIT or u.pk == lead_unit.pk for u in co_units):
        raise ServiceError("配合单位须为牵头单位以外的责任单位。", field="co_units")
    if horizon not in Horizon.values:
        raise ServiceError("整改时限类型应为短期、中期或长期。", field="horizon")
    own = _supervisor_org_for(actor, region=region, lead_unit=lead_unit)
    if not region.path.startswith(campaign.commission.region.path):
        raise ServiceError(f"“{region}”不在{campaign.commission}的管辖范围内。", field="region")
    if supervising_org is None:
        # The group stationed in the lead unit supervises its rectification (and its head signs); otherwise the
        # organisation of the person who opens the item.
        supervising_org = lead_unit.stationed_groups.filter(is_active=True).order_by("pk").first() or own
    with transaction.atomic():
        number = take_number(f"rectification:{campaign.commission_id}", campaign.year)
        item = Item.objects.create(
            campaign=campaign, number=f"ZG-{campaign.year}-{number:04d}", title=title[:200], feedback=feedback,
            region=region, region_path=region.path, supervising_org=supervising_org, lead_unit=lead_unit,
            problem=problem, horizon=horizon, deadline=deadline, original_deadline=deadline, created_by=actor,
            created_at=timezone.now())
        if co_units:
            item.co_units.set(co_units)
        _audit(item, actor=actor, org=own, action=action, from_state="",
               payload={"campaign": campaign.pk, "lead_unit": lead_unit.pk, "deadline": deadline.isoformat()})
    return item


def item_raise_from_problem(*, actor: User, campaign: Campaign, problem: Problem, deadline: dt.date) -> Item:
    """Raise a rectification item from a problem the actor supervises (its title, description, region, lead unit)."""
    if problem_capacity_for(actor, problem).supervisor_org is None:
        raise PermissionRefused("只有负责督办该问题的纪检监察机构人员可以据此建立整改事项。")
    if problem.lead_unit is None:
        raise ServiceError("该问题尚未交办责任单位，不能建立整改事项。")
    return item_create(actor=actor, campaign=campaign, title=problem.title, feedback=problem.description,
                       region=problem.region, lead_unit=problem.lead_unit, deadline=deadline, problem=problem)


def item_raise_from_supervision_entry(*, actor: User, campaign: Campaign, entry: SupervisionRectification,
                                      deadline: dt.date | None = None) -> Item:
    """Raise a campaign item from an entry of a supervision report's 整改清单 (linked, not copied: the entry stays the
    supervision list's record; the item carries the campaign's plan, milestones and acceptance)."""
    if not profile_of(actor).supervising:
        raise PermissionRefused("只有纪检监察机构的工作人员可以据此建立整改事项。")
    if not visible_supervision_entries(actor).filter(pk=entry.pk).exists():
        raise ServiceError("未找到该整改清单条目，或您无权查看。", field="entry")
    with transaction.atomic():
        SupervisionRectification.objects.select_for_update().filter(pk=entry.pk).first()  # one raise at a time
        if Item.objects.filter(supervision_entry=entry).exists():
            raise ServiceError("该整改清单条目已建立整改事项。", field="entry")
        lead = entry.responsible_unit
        item = item_create(actor=actor, campaign=campaign, title=entry.title, feedback=entry.measures or entry.title,
                           region=lead.region, lead_unit=lead, deadline=deadline or entry.deadline,
                           problem=entry.problem)
        Item.objects.filter(pk=item.pk).update(supervision_entry=entry)
        item.supervision_entry = entry
    return item


# ---------------------------------------------------------------- the unit's plan, milestones, progress


def _replace_milestones(item: Item, nodes: list[tuple[dt.date, str]]) -> None:
    item.milestones.all().delete()
    Milestone.objects.bulk_create([Milestone(item=item, title=title[:200], due_on=day) for day, title in nodes])


@ITEM_ACTIONS.performs(Action.PLAN)
def item_plan(*, actor: User, item: Item, target: str, measures: str, responsible_leader: str,
              responsible_person: str, horizon: str, deadline: dt.date, granularity: str,
              co_units: Sequence[Organisation] = ()) -> Item:
    """The unit's plan: target, measures, people in charge, horizon and deadline; milestones proposed by 倒排工期."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.PLAN)
        target = _require(target, "请填写整改目标。", "target")
        measures = _require(measures, "请填写整改措施。", "measures")
        leader = _require(responsible_leader, "请填写责任领导。", "responsible_leader")[:50]
        person = _require(responsible_person, "请填写责任人。", "responsible_person")[:50]
        if horizon not in Horizon.values:
            raise ServiceError("整改时限类型应为短期、中期或长期。", field="horizon")
        if granularity not in Granularity.values:
            raise ServiceError("倒排工期方式应为按月、按周或按日。", field="granularity")
        if any(u.kind != OrgKind.UNIT or u.pk == item.lead_unit_id for u in co_units):
            raise ServiceError("配合单位须为牵头单位以外的责任单位。", field="co_units")
        today = _today()
        if deadline <= today:
            raise ServiceError("整改期限须晚于今天。", field="deadline")
        try:
            nodes = planning.propose_milestones(today, deadline, granularity)
        except CalendarNotAvailable as exc:
            raise ServiceError(str(exc), field="deadline") from exc
        except ValueError as exc:
            raise ServiceError(str(exc), field="granularity") from exc
        from_state = item.state
        item.target, item.measures = target, measures
        item.responsible_leader, item.responsible_person = leader, person
        item.horizon, item.granularity = horizon, granularity
        old_deadline, item.deadline = item.deadline, deadline
        _move(item, Action.PLAN)
        item.save()
        item.co_units.set(co_units)
        _replace_milestones(item, nodes)
        _recompute_warning(item, today)
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.PLAN, from_state=from_state,
               payload={"deadline": deadline.isoformat(), "old_deadline": old_deadline.isoformat(),
                        "granularity": granularity, "milestones": len(nodes)})
    return item


@ITEM_ACTIONS.performs(Action.MILESTONES)
def item_set_milestones(*, actor: User, item: Item, lines: str) -> Item:
    """The unit adjusts the proposed milestones; each falls on or before the deadline; the colour is recomputed."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.MILESTONES)
        try:
            nodes = planning.parse_milestone_lines(lines)
        except ValueError as exc:
            raise ServiceError(str(exc), field="lines") from exc
        late = [day for day, _ in nodes if day > item.deadline]
        if late:
            raise ServiceError(f"节点日期 {late[0].isoformat()} 晚于整改期限 {item.deadline.isoformat()}。",
                               field="lines")
        done = {m.title: m.done_on for m in item.milestones.exclude(done_on__isnull=True)}
        item.milestones.all().delete()
        Milestone.objects.bulk_create([Milestone(item=item, title=title[:200], due_on=day, done_on=done.get(title))
                                       for day, title in nodes])
        _recompute_warning(item, _today())
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.MILESTONES, from_state=item.state,
               payload={"milestones": len(nodes)})
    return item


@ITEM_ACTIONS.performs(Action.MILESTONE_DONE)
def milestone_done(*, actor: User, item: Item, milestone: int, done_on: dt.date) -> Item:
    """A handling unit confirms a milestone done (not in the future); the colour is recomputed."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.MILESTONE_DONE)
        node = item.milestones.filter(pk=milestone).first()
        if node is None:
            raise ServiceError("没有这个整改节点。", field="milestone")
        if node.done_on is not None:
            raise ServiceError("该节点已确认完成。", field="milestone")
        if done_on > _today():
            raise ServiceError("完成日期不能晚于今天。", field="done_on")
        node.done_on, node.done_by = done_on, actor
        node.save(update_fields=["done_on", "done_by"])
        _recompute_warning(item, _today())
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.MILESTONE_DONE, from_state=item.state,
               payload={"milestone": node.title, "due_on": node.due_on.isoformat(), "done_on": done_on.isoformat()})
    return item


def _post(*, actor: User, item: Item, action: str, kind: str, text: str, happened_on: dt.date,
          files: Iterable[UploadedFile], internal: bool = False, progress: str | None = None) -> Post:
    with files_removed_on_failure() as stored, transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, action)
        text = _require(text, "请填写内容。", "text")
        if happened_on > _today():
            raise ServiceError("日期不能晚于今天。", field="happened_on")
        org = capacity.acting_org
        assert org is not None  # _authorise admitted an acting organisation
        post = Post.objects.create(item=item, kind=kind, text=text, happened_on=happened_on, author=actor,
                                   author_org=org, created_at=timezone.now())
        saved = _store_files(actor=actor, post=post, files=files, stored=stored)
        payload: dict = {"post": post.pk, "files": len(saved)}
        if progress is not None:
            if progress not in Progress.values:
                raise ServiceError("整改进度应为推进中、阶段性完成、已完成或长期坚持。", field="progress")
            payload.update({"from": item.progress, "to": progress})
            item.progress = progress
            item.save(update_fields=["progress", "updated_at"])
        _audit(item, actor=actor, org=org, action=action, from_state=item.state, payload=payload,
               internal=internal, reason=text[:200] if internal else "")
    return post


@ITEM_ACTIONS.performs(Action.PROGRESS)
def item_report_progress(*, actor: User, item: Item, progress: str, text: str,
                         files: Iterable[UploadedFile] = ()) -> Post:
    """A handling unit reports progress (with photos or files) and where the work stands."""
    return _post(actor=actor, item=item, action=Action.PROGRESS, kind=PostKind.PROGRESS, text=text,
                 happened_on=_today(), files=files, progress=progress)


@ITEM_ACTIONS.performs(Action.DIARY)
def item_diary(*, actor: User, item: Item, happened_on: dt.date, text: str,
               files: Iterable[UploadedFile] = ()) -> Post:
    """现场核查日记: what the check on site found that day, with photos."""
    return _post(actor=actor, item=item, action=Action.DIARY, kind=PostKind.DIARY, text=text,
                 happened_on=happened_on, files=files)


@ITEM_ACTIONS.performs(Action.REVIEW_NOTE)
def item_review_note(*, actor: User, item: Item, text: str) -> Post:
    """An internal review comment of the supervising side: never shown to a unit."""
    return _post(actor=actor, item=item, action=Action.REVIEW_NOTE, kind=PostKind.REVIEW, text=text,
                 happened_on=_today(), files=(), internal=True)


# ---------------------------------------------------------------- acceptance


@ITEM_ACTIONS.performs(Action.APPLY)
def item_apply(*, actor: User, item: Item, note: str = "") -> Item:
    """The lead unit applies for acceptance (验收) once the work is done or its lasting measures are in place."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.APPLY)
        if item.progress not in APPLICABLE_PROGRESS:
            raise ServiceError("整改进度为“已完成”或“长期坚持”后方可申请验收，请先报送进展。")
        today = _today()
        from_state = item.state
        _move(item, Action.APPLY)
        item.applied_at = timezone.now()
        item.applied_on_time = today <= item.deadline  # frozen at the transition
        item.check_due = _working_days_after(today, CHECK_DAYS)
        item.save()
        _recompute_warning(item, today)
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.APPLY, from_state=from_state,
               reason=(note or "").strip(), payload={"on_time": item.applied_on_time})
    return item


@ITEM_ACTIONS.performs(Action.SITE_CHECK)
def item_site_check(*, actor: User, item: Item, note: str, supervisor_signatory: User, unit_signatory: User) -> Item:
    """The supervising side checks on site and names the two office holders who must sign in person."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.SITE_CHECK)
        note = _require(note, "请填写现场核查情况。", "note")
        if supervisor_signatory.pk == unit_signatory.pk:
            raise ServiceError("督导方与责任单位的签字人不能是同一人。", field="unit_signatory")
        if not holds_supervisor_signing_office(supervisor_signatory, item):
            raise ServiceError(f"{supervisor_signatory}不是{item.supervising_org}的负责人，不能作为督导方签字人。",
                               field="supervisor_signatory")
        if not holds_unit_signing_office(unit_signatory, item):
            raise ServiceError(f"{unit_signatory}不是{item.lead_unit}的党组书记，不能作为责任单位签字人。",
                               field="unit_signatory")
        from_state = item.state
        _move(item, Action.SITE_CHECK)
        item.checked_at, item.check_note = timezone.now(), note
        item.supervisor_signatory, item.unit_signatory = supervisor_signatory, unit_signatory
        item.supervisor_signed_at = item.unit_signed_at = None
        item.save()
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.SITE_CHECK, from_state=from_state,
               reason=note[:200], payload={"supervisor_signatory": supervisor_signatory.pk,
                                           "unit_signatory": unit_signatory.pk})
    return item


@ITEM_ACTIONS.performs(Action.FAIL_CHECK)
def item_fail_check(*, actor: User, item: Item, reason: str) -> Item:
    """验收不通过: back to the unit, signatures and checks cleared, the reason told to the unit."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.FAIL_CHECK)
        reason = _require(reason, "请填写验收不通过的理由。", "reason")
        from_state = item.state
        _move(item, Action.FAIL_CHECK)
        item.progress = Progress.ONGOING
        item.supervisor_signatory = item.unit_signatory = None
        item.supervisor_signed_at = item.unit_signed_at = None
        item.check_due = None
        item.save()
        item.conditions.all().delete()
        _recompute_warning(item, _today())
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.FAIL_CHECK, from_state=from_state,
               reason=reason)
    return item


def _sign(*, actor: User, item: Item, action: str, password: str, opinion: str) -> Item:
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, action)
        supervisor_part = action == Action.SIGN_SUPERVISOR
        if not password or not actor.check_password(password):
            raise PermissionRefused("密码不正确，签字未完成。", field="password")
        if (item.supervisor_signed_at if supervisor_part else item.unit_signed_at) is not None:
            raise ServiceError("本方已签字，不能重复签字。")
        if actor.pk == (item.unit_signatory_id if supervisor_part else item.supervisor_signatory_id):
            raise PermissionRefused("同一人不能代表双方签字。")
        now = timezone.now()
        if supervisor_part:
            item.supervisor_signed_at = now
        else:
            item.unit_signed_at = now
        item.save(update_fields=["supervisor_signed_at", "unit_signed_at", "updated_at"])
        org = _acting_org(item, capacity, ITEM_ACTIONS[action].who)
        _audit(item, actor=actor, org=org, action=action, from_state=item.state, reason=(opinion or "").strip(),
               payload={"part": "supervisor" if supervisor_part else "unit", "signed_at": now.isoformat()})
    return item


@ITEM_ACTIONS.performs(Action.SIGN_SUPERVISOR)
def item_sign_supervisor(*, actor: User, item: Item, password: str, opinion: str = "") -> Item:
    """The supervising side's signature: by the named head in person, confirmed with their password."""
    return _sign(actor=actor, item=item, action=Action.SIGN_SUPERVISOR, password=password, opinion=opinion)


@ITEM_ACTIONS.performs(Action.SIGN_UNIT)
def item_sign_unit(*, actor: User, item: Item, password: str, opinion: str = "") -> Item:
    """The unit's signature: by its named principal in person, confirmed with their password."""
    return _sign(actor=actor, item=item, action=Action.SIGN_UNIT, password=password, opinion=opinion)


@ITEM_ACTIONS.performs(Action.PUBLISH)
def item_publish(*, actor: User, item: Item, days: int = NOTICE_DAYS) -> Item:
    """公示: once both have signed, the result is publicly noticed for `days` working days."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.PUBLISH)
        if item.supervisor_signed_at is None or item.unit_signed_at is None:
            raise ServiceError("督导方与责任单位双方签字后方可公示。")
        if not 1 <= days <= 30:
            raise ServiceError("公示期应为 1 至 30 个工作日。", field="days")
        today = _today()
        from_state = item.state
        _move(item, Action.PUBLISH)
        item.notice_start, item.notice_end = today, _working_days_after(today, days)
        item.save()
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.PUBLISH, from_state=from_state,
               payload={"days": days, "notice_end": item.notice_end.isoformat()})
    return item


@ITEM_ACTIONS.performs(Action.OBJECTION)
def item_record_objection(*, actor: User, item: Item, raised_on: dt.date, raised_by: str, content: str) -> Objection:
    """An objection raised during the notice, recorded to be answered before 销号."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.OBJECTION)
        raised_by = _require(raised_by, "请填写提出人或来源。", "raised_by")[:100]
        content = _require(content, "请填写异议内容。", "content")
        if raised_on > _today():
            raise ServiceError("提出日期不能晚于今天。", field="raised_on")
        objection = Objection.objects.create(item=item, raised_on=raised_on, raised_by=raised_by, content=content,
                                             recorded_by=actor)
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.OBJECTION, from_state=item.state,
               payload={"objection": objection.pk})
    return objection


@ITEM_ACTIONS.performs(Action.ANSWER)
def item_answer_objection(*, actor: User, item: Item, objection: int, answer: str) -> Objection:
    """The answer to a recorded objection."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.ANSWER)
        found = item.objections.filter(pk=objection).first()
        if found is None:
            raise ServiceError("没有这条异议。", field="objection")
        if found.answered_at is not None:
            raise ServiceError("该异议已答复。", field="objection")
        found.answer = _require(answer, "请填写答复。", "answer")
        found.answered_by, found.answered_at = actor, timezone.now()
        found.save(update_fields=["answer", "answered_by", "answered_at"])
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.ANSWER, from_state=item.state,
               payload={"objection": found.pk})
    return found


@ITEM_ACTIONS.performs(Action.CONDITION)
def item_confirm_condition(*, actor: User, item: Item, condition: str, evidence: str) -> ConditionCheck:
    """One of the five 销号 conditions ticked with its evidence (a second tick replaces the evidence)."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.CONDITION)
        if condition not in Condition.values:
            raise ServiceError("没有这个销号条件。", field="condition")
        evidence = _require(evidence, "请填写佐证材料或情况。", "evidence")
        check, _ = ConditionCheck.objects.update_or_create(
            item=item, condition=condition,
            defaults={"evidence": evidence, "confirmed_by": actor, "confirmed_at": timezone.now()})
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.CONDITION, from_state=item.state,
               payload={"condition": condition})
    return check


@ITEM_ACTIONS.performs(Action.CLOSE)
def item_close(*, actor: User, item: Item, recheck_months: int = 6) -> Item:
    """销号: after the notice, every objection answered and the five conditions ticked; a 回头看 is scheduled."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.CLOSE)
        today = _today()
        assert item.notice_end is not None  # set when the notice began
        if today <= item.notice_end:
            raise ServiceError(f"公示期至 {item.notice_end.isoformat()} 结束，期满后方可销号。")
        if item.objections.filter(answered_at__isnull=True).exists():
            raise ServiceError("公示期间的异议尚未全部答复，不能销号。")
        ticked = set(item.conditions.values_list("condition", flat=True))
        missing = [label for value, label in Condition.choices if value not in ticked]
        if missing:
            raise ServiceError(f"销号条件尚未确认：{'；'.join(missing)}。")
        if not 1 <= recheck_months <= 36:
            raise ServiceError("回头看安排应在 1 至 36 个月之内。", field="recheck_months")
        from_state = item.state
        _move(item, Action.CLOSE)
        item.closed_at = timezone.now()
        item.save()
        due = planning.months_back(today, -recheck_months, month_end=False)
        Recheck.objects.create(item=item, due_on=due)
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.CLOSE, from_state=from_state,
               payload={"recheck_due": due.isoformat()})
    return item


def _pending_recheck(item: Item) -> Recheck:
    recheck = item.rechecks.filter(result=RecheckResult.PENDING).order_by("due_on").first()
    if recheck is None:
        recheck = Recheck(item=item, due_on=_today())
    return recheck


@ITEM_ACTIONS.performs(Action.RECHECK)
def item_recheck(*, actor: User, item: Item, note: str) -> Recheck:
    """回头看 that finds the outcome holding: recorded; the item stays 销号."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.RECHECK)
        recheck = _pending_recheck(item)
        recheck.note = _require(note, "请填写回头看情况。", "note")
        recheck.result, recheck.done_by, recheck.done_at = RecheckResult.HELD, actor, timezone.now()
        recheck.save()
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.RECHECK, from_state=item.state,
               reason=recheck.note[:200], payload={"result": RecheckResult.HELD})
    return recheck


@ITEM_ACTIONS.performs(Action.REBOUND)
def item_rebound(*, actor: User, item: Item, note: str, deadline: dt.date) -> Item:
    """回头看 finding the problem back (反弹): the item reopens with a new deadline and one (adjustable) milestone."""
    with transaction.atomic():
        item = _locked(item)
        capacity = _authorise(actor, item, Action.REBOUND)
        note = _require(note, "请填写反弹情况。", "note")
        today = _today()
        if deadline <= today:
            raise ServiceError("重新整改期限须晚于今天。", field="deadline")
        recheck = _pending_recheck(item)
        recheck.note, recheck.result = note, RecheckResult.REBOUND
        recheck.done_by, recheck.done_at = actor, timezone.now()
        recheck.save()
        from_state = item.state
        _move(item, Action.REBOUND)
        item.rebound_count += 1
        item.deadline, item.progress = deadline, Progress.ONGOING
        item.supervisor_signatory = item.unit_signatory = None
        item.supervisor_signed_at = item.unit_signed_at = None
        item.notice_start = item.notice_end = item.closed_at = item.check_due = None
        item.save()
        item.conditions.all().delete()
        _replace_milestones(item, [(deadline, "完成反弹问题整改")])
        _recompute_warning(item, today)
        _audit(item, actor=actor, org=capacity.acting_org, action=Action.REBOUND, from_state=from_state,
               reason=note[:200], payload={"deadline": deadline.isoformat(), "rebounds": item.rebound_count})
    return item


def post_file_record_download(*, actor: User, file: PostFile) -> None:
    """Log a download of a rectification file (a read of evidence)."""
    item = file.post.item
    record_event(object_type=OBJECT_TYPE, object_id=item.pk, action=Action.DOWNLOAD, actor=actor,
                 actor_org=capacity_for(actor, item).acting_org, from_state=item.state, to_state=item.state,
                 internal=True, payload={"file": file.original_name})
