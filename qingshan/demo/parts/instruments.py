"""Demo part of 文书与问责: about 30 instruments of every type and state (with written replies, reviews and
follow-ups), about 40 accountability records with the persons and units held accountable, and three public
exposure batches, dated over the 120 days before the demo's end day.

Rows are written in bulk with their audit events (record_events) dated in the past, as the problem history is;
numbers come from the same gap-free series the services use (take_number), in date order.
"""
import datetime as dt
import hashlib
import random
import secrets
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction

from qingshan.audit.services import EventSpec, record_events
from qingshan.core.numbering import take_number
from qingshan.instruments.choices import (
    LEVELLED_KINDS,
    AccountabilityAction,
    Action,
    FilePurpose,
    FollowUpKind,
    Form,
    Kind,
    Rank,
    State,
)
from qingshan.instruments.models import (
    AccountabilityRecord,
    AccountablePerson,
    ExposureBatch,
    FollowUp,
    Instrument,
    InstrumentFile,
)
from qingshan.instruments.services import format_number, number_prefix, number_series
from qingshan.problems.models import Problem

TZ = ZoneInfo("Asia/Shanghai")
INSTRUMENTS, RECORDS = 30, 40
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"  # a stand-in for a signed, scanned reply
TOPICS = ["入河排污口整治", "黑臭水体治理", "扬尘污染管控", "危险废物转运监管", "饮用水水源地保护",
          "秸秆禁烧", "磷石膏堆存整治", "中央生态环境保护督察反馈问题整改", "污水处理厂超标排放", "非法采砂"]
STATE_MIX = [State.ISSUED] * 5 + [State.REPLIED] * 5 + [State.RETURNED] * 2 + [State.ACCEPTED] * 8 + \
    [State.CLOSED] * 7 + [State.DRAFT] * 2 + [State.VOIDED]
POSTS = [("局长", Rank.DIVISION), ("副局长", Rank.DIVISION), ("科长", Rank.SECTION), ("副科长", Rank.SECTION),
         ("镇长", Rank.SECTION), ("站长", Rank.OTHER), ("主任", Rank.SECTION)]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ)


def seed(*, city, rng: random.Random, end: dt.date, stdout) -> str:
    """Seed instruments and accountability records; a one-line summary."""
    if Instrument.objects.exists():
        return "文书与问责：已存在，未重复生成。"
    office = city.offices["insp1"]
    staff = city.staff[office.pk]
    units = list(city.city_units.values())
    events: list[EventSpec] = []
    with transaction.atomic():
        instruments = _instruments(city, rng, end, office, staff, units, events)
        records = _accountability(city, rng, end, office, staff, units, instruments, events)
        record_events(sorted(events, key=lambda e: e.created_at))
    replied = sum(1 for i in instruments if i.replied_at)
    return (f"文书与问责：文书 {len(instruments)} 份（已回复 {replied} 份），问责记录 {len(records)} 条"
            f"（{sum(r.person_count for r in records)} 人次），通报曝光 {ExposureBatch.objects.count()} 批。")


def _instruments(city, rng, end, office, staff, units, events) -> list[Instrument]:
    plans = []
    for index in range(INSTRUMENTS):
        state = STATE_MIX[index % len(STATE_MIX)]
        created = end - dt.timedelta(days=rng.randint(20, 120))
        plans.append((created, state, rng.choice(list(Kind)), rng.choice(units), rng.choice(staff)))
    made = []
    for created, state, kind, unit, author in sorted(plans, key=lambda p: p[0]):
        topic = rng.choice(TOPICS)
        issued_on = created + dt.timedelta(days=rng.randint(1, 3)) if state != State.DRAFT else None
        reply_deadline = (issued_on or created) + dt.timedelta(days=rng.choice([10, 15, 20]))
        instrument = Instrument(
            kind=kind, level=rng.choice(["blue", "yellow", "red"]) if kind in LEVELLED_KINDS else "",
            issuer=city.commission, drafting_org=office, region_path=city.commission.region.path, recipient=unit,
            title=f"关于{topic}有关问题的{Kind(kind).label}",
            body=f"我委在监督检查中发现，{unit.name}在{topic}工作中存在责任落实不到位、整改推进迟缓等问题。\n"
                 "请切实扛起主体责任，举一反三，建立长效机制。",
            reply_deadline=reply_deadline, rectify_deadline=reply_deadline + dt.timedelta(days=60),
            state=State.DRAFT, created_by=author, created_at=_at(created, 9))
        instrument.save()
        problems = list(Problem.objects.filter(lead_unit=unit).order_by("pk").values_list("pk", flat=True)[:40])
        if problems:
            instrument.problems.set(rng.sample(problems, min(len(problems), rng.randint(1, 3))))
        events.append(EventSpec("instruments.instrument", instrument.pk, Action.CREATE, author, office, "",
                                State.DRAFT, created_at=_at(created, 9)))
        if issued_on is not None:
            _drive(instrument, state, issued_on, author, office, unit, city, rng, end, events)
        made.append(instrument)
    return made


def _drive(instrument, state, issued_on, author, office, unit, city, rng, end, events) -> None:
    """Issue it on `issued_on` and take it to `state` with dated steps, none after `end`."""
    instrument.year = issued_on.year
    instrument.serial = take_number(number_series(instrument.kind, instrument.issuer_id), issued_on.year)
    instrument.number = format_number(number_prefix(instrument.kind, instrument.issuer), issued_on.year,
                                      instrument.serial)
    instrument.issued_by, instrument.issued_at, instrument.issued_on = author, _at(issued_on, 10), issued_on
    instrument.state = State.ISSUED
    events.append(EventSpec("instruments.instrument", instrument.pk, Action.ISSUE, author, office, State.DRAFT,
                            State.ISSUED, payload={"number": instrument.number}, created_at=_at(issued_on, 10)))
    if state == State.VOIDED:
        instrument.state, instrument.voided_at = State.VOIDED, _at(issued_on, 16)
        instrument.void_reason = "主送单位有误"
        events.append(EventSpec("instruments.instrument", instrument.pk, Action.VOID, author, office, State.ISSUED,
                                State.VOIDED, reason="主送单位有误", created_at=_at(issued_on, 16)))
    elif state != State.ISSUED:
        handler = (city.handlers.get(unit.pk) or [author])[0]
        replied = min(end, issued_on + dt.timedelta(days=rng.randint(3, 18)))
        instrument.replied_at, instrument.replied_on_time = _at(replied, 11), replied <= instrument.reply_deadline
        instrument.reply_text = "已召开专题会议研究部署，制定整改方案，明确责任人和完成时限，正在逐项推进。"
        instrument.state = State.REPLIED
        stored = InstrumentFile(instrument=instrument, purpose=FilePurpose.REPLY, stored_token=secrets.token_hex(16),
                                original_name="书面回复.pdf", content_type="application/pdf", size=len(PDF),
                                sha256=hashlib.sha256(PDF).hexdigest(), uploaded_by=handler,
                                uploaded_at=_at(replied, 11))
        stored.file.save(stored.stored_token, ContentFile(PDF), save=False)
        stored.save()
        events.append(EventSpec("instruments.instrument", instrument.pk, Action.REPLY, handler, unit, State.ISSUED,
                                State.REPLIED, created_at=_at(replied, 11)))
        reviewed = min(end, replied + dt.timedelta(days=2))
        if state == State.RETURNED:
            instrument.state, instrument.return_count = State.RETURNED, 1
            instrument.review_comment = "整改措施不具体，请补充。"
            events.append(EventSpec("instruments.instrument", instrument.pk, Action.RETURN, author, office,
                                    State.REPLIED, State.RETURNED, reason="整改措施不具体，请补充。",
                                    created_at=_at(reviewed, 15)))
        elif state in (State.ACCEPTED, State.CLOSED):
            instrument.state, instrument.accepted_at = State.ACCEPTED, _at(reviewed, 15)
            instrument.review_comment = "同意"
            events.append(EventSpec("instruments.instrument", instrument.pk, Action.ACCEPT, author, office,
                                    State.REPLIED, State.ACCEPTED, reason="同意", created_at=_at(reviewed, 15)))
            checked = min(end, reviewed + dt.timedelta(days=rng.randint(5, 20)))
            FollowUp.objects.create(instrument=instrument, kind=rng.choice(list(FollowUpKind)), happened_on=checked,
                                    text="实地查看整改现场，整改措施已落实，群众反映良好。", recorded_by=author,
                                    recorded_at=_at(checked, 17))
            events.append(EventSpec("instruments.instrument", instrument.pk, Action.FOLLOW_UP, author, office,
                                    State.ACCEPTED, State.ACCEPTED, created_at=_at(checked, 17)))
            if state == State.CLOSED:
                closed = min(end, checked + dt.timedelta(days=3))
                instrument.state, instrument.closed_at = State.CLOSED, _at(closed, 16)
                instrument.rectified = rng.random() < 0.85
                instrument.rectified_on_time = instrument.rectified and closed <= instrument.rectify_deadline
                events.append(EventSpec("instruments.instrument", instrument.pk, Action.CLOSE, author, office,
                                        State.ACCEPTED, State.CLOSED, created_at=_at(closed, 16)))
    instrument.save()


def _accountability(city, rng, end, office, staff, units, instruments, events) -> list[AccountabilityRecord]:
    forms = list(Form)
    weights = [8, 6, 5, 4, 6, 3, 3, 4, 1]
    records = []
    for _ in range(RECORDS):
        form = rng.choices(forms, weights)[0]
        decided = end - dt.timedelta(days=rng.randint(1, 200))
        unit = rng.choice(units)
        author = rng.choice(staff)
        topic = rng.choice(TOPICS)
        record = AccountabilityRecord.objects.create(
            form=form, is_joint=form == Form.INTERVIEW and rng.random() < 0.4, org=office,
            region_path=city.commission.region.path, decided_on=decided,
            summary=f"{unit.name}在{topic}工作中履职不力、整改敷衍。", created_by=author,
            created_at=_at(decided, 14))
        persons = [AccountablePerson(record=record, name=rng.choice(SURNAMES) + "某", post=post,
                                     organisation=unit, organisation_name=unit.name, rank=rank)
                   for post, rank in rng.sample(POSTS, rng.randint(0 if form == Form.INTERVIEW else 1, 3))]
        AccountablePerson.objects.bulk_create(persons)
        record.person_count = len(persons)
        record.save(update_fields=["person_count"])
        if not persons or form == Form.INTERVIEW:
            record.organisations.add(unit)
        if record.is_joint and city.partners:
            record.joint_partners.add(city.partners[0])
        issued = [i for i in instruments if i.recipient_id == unit.pk and i.issued_at]
        if issued:
            record.instruments.add(rng.choice(issued))
        problems = list(Problem.objects.filter(lead_unit=unit).order_by("pk").values_list("pk", flat=True)[:20])
        if problems:
            record.problems.add(rng.choice(problems))
        events.append(EventSpec("instruments.accountability", record.pk, AccountabilityAction.CREATE, author, office,
                                payload={"form": form, "persons": len(persons)}, created_at=_at(decided, 14)))
        records.append(record)
    exposed = sorted((r for r in records if r.form in (Form.CIRCULATED_CRITICISM, Form.ADMONITION, Form.INTERVIEW)),
                     key=lambda r: r.decided_on)
    for number, chunk in enumerate((exposed[i::3] for i in range(3)), start=1):
        chunk = [r for r in chunk]
        if not chunk:
            continue
        published = min(end, max(r.decided_on for r in chunk) + dt.timedelta(days=3))
        batch = ExposureBatch.objects.create(
            org=office, region_path=city.commission.region.path, year=published.year,
            sequence=take_number(f"exposure:{office.pk}", published.year),
            title=f"生态环境领域不作为慢作为典型问题通报（第{number}批）", published_on=published,
            created_by=staff[0], created_at=_at(published, 10))
        AccountabilityRecord.objects.filter(pk__in=[r.pk for r in chunk]).update(exposure_batch=batch)
        events.append(EventSpec("instruments.exposure_batch", batch.pk, AccountabilityAction.BATCH, staff[0], office,
                                payload={"records": [r.pk for r in chunk]}, created_at=_at(published, 10)))
    return records
