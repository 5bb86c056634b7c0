"""Every change in 数据比对模型: permission, validation, the write and its audit event, in one transaction.

Models are validated by the engine (``qingshan.datacheck.engine``: ``parse_spec`` and ``compile_model`` against the
data sets' ``engine_catalog()``) and run through its ``execute``; only counts and a bounded sample per subject come
back, and hits are upserted in batches from ``outcome.iter_subjects()`` so a run never holds all rows in memory.
"""
import datetime as dt
import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice
from types import ModuleType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from qingshan.access.datacheck import acting_org
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import Organisation, Region, User

from .choices import UNDECIDED_HIT_STATES, Action, HitState, Origin, Queue, RunStatus, Schedule, SpecFormat, Trigger
from .limits import RunDeadline
from .masking import mask_hits
from .models import CheckModel, CheckModelVersion, Hit, Run
from .prose import SubjectNamer, hit_description, hit_subject, hit_title, model_vocabulary
from .transitions import HIT_ACTIONS

if TYPE_CHECKING:  # the engine loads sqlglot and the engines' drivers: imported when first used (_engine)
    from qingshan.datasets.catalog import Catalog
    from qingshan.problems.models import Category

    from .engine import CompiledModel, RunOutcome, SubjectHit

MODEL_TYPE, RUN_TYPE, HIT_TYPE = "datacheck.checkmodel", "datacheck.run", "datacheck.hit"
BATCH_SIZE = 500  # subjects upserted per round trip
EVIDENCE_ROWS = 20  # evidence rows kept on a hit (the full set stays in the engine's run table)
EVIDENCE_TEXT = 200  # characters kept of one evidence value
PREVIEW_SUBJECTS = 20  # subjects a dry run shows in the editor
DRY_RUN_ROWS = 1000  # rows of the primary data set a dry run judges (settings.DATACHECK_DRY_RUN_ROWS overrides)
COMPILED_CACHE_SIZE = 64
SCHEDULE_HOUR = 2  # scheduled runs start at 02:00 local time, when nobody imports
_COMPILED: dict = {}  # (spec text, catalogue) -> compiled model, per process


# ---------------------------------------------------------------- the engine, as this app uses it


@dataclass
class Subject:
    """One flagged subject as the app stores it (normalised from whatever the engine yields)."""

    key: str
    label: str
    rows: int
    evidence: list
    lng: Decimal | None = None
    lat: Decimal | None = None


def _engine() -> ModuleType:
    from qingshan.datacheck import engine

    return engine


def _catalog() -> "Catalog":
    from qingshan.datasets.selectors import engine_catalog

    return engine_catalog()


def compile_spec(spec_text: str, spec_format: str) -> "CompiledModel":
    """Parse and compile a spec against the registered data sets; a ServiceError (Chinese, on `spec_text`) if not."""
    if not spec_text or not spec_text.strip():
        raise ServiceError("请填写模型定义。", field="spec_text")
    if spec_format not in SpecFormat.values:
        raise ServiceError("模型定义格式只能是 YAML 或 JSON。", field="spec_format")
    engine = _engine()
    catalog = _catalog()
    # Compiling a standards model builds large expression trees (seconds); a save and the run after it, or a
    # schedule running the same version again, reuse the result while the data sets' schemas are unchanged.
    key = (spec_text, repr(sorted(catalog.items())))
    if key in _COMPILED:
        return _COMPILED[key]
    try:
        spec = engine.parse_spec(spec_text)
        compiled = engine.compile_model(spec, catalog)
    except ServiceError as exc:
        raise ServiceError(exc.message, field="spec_text") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceError(f"模型定义有误：{exc}", field="spec_text") from exc
    if len(_COMPILED) >= COMPILED_CACHE_SIZE:
        _COMPILED.clear()
    _COMPILED[key] = compiled
    return compiled


def _require_datasets_visible(actor: User, compiled: "CompiledModel") -> None:
    """Refuse a spec reading a data set `actor` may not see: a model's run shows its evidence rows, so a model
    must not be a way round the data sets' own visibility (a district commission and the city's data)."""
    from qingshan.access.datasets import visible_datasets

    used = set(compiled.datasets_used)
    seen = set(visible_datasets(actor).filter(code__in=used).values_list("code", flat=True))
    for code in sorted(used - seen):
        raise ServiceError(f"数据集“{code}”不存在或您无权使用。", field="spec_text")


def _record_reads(model: CheckModel, compiled: "CompiledModel") -> None:
    """Keep what the saved spec reads and its subject columns on the model (visibility and masking use them)."""
    from qingshan.datasets.models import Dataset

    model.subject_columns = list(compiled.spec.subject_columns)
    model.subject_label_column = compiled.spec.subject_label or ""
    model.save(update_fields=["subject_columns", "subject_label_column"])
    model.datasets.set(Dataset.objects.filter(code__in=compiled.datasets_used))


def require_runner_may_read(*, runner: User, spec_text: str, spec_format: str) -> None:
    """Refuse a run (or dry run) by someone who may not see every data set the spec reads: on demand the person
    running it, on schedule the model's owner, who may have lost access since saving (a share revoked)."""
    from qingshan.access.datasets import visible_datasets
    from qingshan.datasets.models import Dataset

    try:
        used = set(compile_spec(spec_text, spec_format).datasets_used)
    except ServiceError:
        return  # a spec that no longer compiles fails in the run itself, recorded there with its message
    hidden = used - set(visible_datasets(runner).filter(code__in=used).values_list("code", flat=True))
    if hidden:
        names = "、".join(f"“{d.name}”" for d in Dataset.objects.filter(code__in=hidden).order_by("code")) or \
            "、".join(f"“{c}”" for c in sorted(hidden))
        raise PermissionRefused(f"{runner}无权查看模型读取的数据集{names}，不能运行该模型。"
                                "请联系数据集所属纪委监委共享后再运行。")


def _run_refused(model: CheckModel, *, version: CheckModelVersion, trigger: str, message: str) -> Run:
    """A scheduled run refused before it ran: recorded as a failed run with the reason, and audited on the model."""
    now = timezone.now()
    with transaction.atomic():
        run = Run.objects.create(model=model, version=version, engine=settings.DATACHECK_ENGINE, trigger=trigger,
                                 dry_run=False, status=RunStatus.FAILED, started_by=None, started_at=now,
                                 finished_at=now, error=message[:2000])
        record_event(object_type=MODEL_TYPE, object_id=model.pk, action=Action.RUN_REFUSED, actor=None,
                     reason=run.error, internal=True,
                     payload={"run": run.pk, "owner": model.owner_id, "trigger": trigger})
    return run


def _validated_spec(actor: User, spec_text: str, spec_format: str) -> "CompiledModel":
    """A spec checked as saving checks it (parse, compile, data sets visible to `actor`); its compiled model."""
    compiled = compile_spec(spec_text, spec_format)
    _require_datasets_visible(actor, compiled)
    return compiled


def _engine_options(name: str) -> dict:
    """DuckDB may read the registered external Parquet files and nothing else outside its own files."""
    if name.lower() != "duckdb":
        return {}
    from qingshan.datasets.models import Dataset

    paths = list(Dataset.objects.exclude(external_path="").values_list("external_path", flat=True))
    return {"limited": True, "external_paths": paths}


def _execute(compiled: "CompiledModel", *, run: Run, dry_run: bool, deadline: RunDeadline) -> "RunOutcome":
    """Run the compiled model in the configured engine, under `deadline`; the caller closes `outcome.engine`."""
    engine = _engine()
    try:
        runner = engine.get_engine(run.engine, **_engine_options(run.engine))
    except ValueError as exc:
        raise ServiceError(f"未知的计算引擎“{run.engine}”，请检查 QINGSHAN_DATACHECK_ENGINE 配置"
                           "（可选 duckdb、spark、postgresql）。") from exc
    try:
        deadline.watch(runner)
        return engine.execute(compiled, runner, run_id=run.pk, dry_run=dry_run,
                              dry_run_limit=getattr(settings, "DATACHECK_DRY_RUN_ROWS", DRY_RUN_ROWS),
                              sample_subjects=PREVIEW_SUBJECTS if dry_run else 0,
                              sample_rows_per_subject=EVIDENCE_ROWS)
    except BaseException:
        runner.close()
        raise


def _decimal(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return None


def _plain(value: object) -> object:
    """An evidence value as JSON can hold it, bounded in length."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value)
    return text if len(text) <= EVIDENCE_TEXT else text[:EVIDENCE_TEXT] + "…"


def _subject(raw: "SubjectHit") -> Subject:
    """Normalise one subject from the engine (its SubjectHit) to what a hit stores, evidence bounded."""
    rows = [{str(k): _plain(v) for k, v in dict(row).items()} for row in list(raw.sample_rows or [])[:EVIDENCE_ROWS]]
    key = str(raw.subject_key or "")[:200]
    label = str(raw.subject_label or "")[:200] or key
    return Subject(key=key, label=label, rows=int(raw.hit_rows or 0), evidence=rows, lng=_decimal(raw.lng),
                   lat=_decimal(raw.lat))


# ---------------------------------------------------------------- helpers


def _require_actor(actor: User, model: CheckModel | None, what: str) -> Organisation:
    org = acting_org(actor, model)
    if org is None:
        raise PermissionRefused(f"只有本级纪检监察机关的监督人员可以{what}。")
    return org


def _text(value: str | None, message: str, field: str, max_length: int | None = None) -> str:
    if not value or not value.strip():
        raise ServiceError(message, field=field)
    value = value.strip()
    if max_length and len(value) > max_length:
        raise ServiceError(f"{message.removeprefix('请填写').rstrip('。')}不能超过 {max_length} 个字。", field=field)
    return value


def next_run_after(schedule: str, now: dt.datetime) -> dt.datetime | None:
    """When a model on `schedule` next runs after `now`: 02:00 local time the next day (daily) or next Monday."""
    if schedule == Schedule.NONE:
        return None
    local = timezone.localtime(now, ZoneInfo(settings.TIME_ZONE))
    days = 1 if schedule == Schedule.DAILY else 7 - local.weekday()
    day = local.date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(SCHEDULE_HOUR), tzinfo=local.tzinfo)


def _audit_model(model: CheckModel, *, actor: User, org: Organisation | None, action: str, from_state: str = "",
                 to_state: str = "", reason: str = "", payload: dict | None = None) -> None:
    record_event(object_type=MODEL_TYPE, object_id=model.pk, action=action, actor=actor, actor_org=org,
                 from_state=from_state, to_state=to_state, reason=reason, payload=payload, internal=True)


def _state(model: CheckModel) -> str:
    return "enabled" if model.enabled else "disabled"


# ---------------------------------------------------------------- models


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n") if isinstance(text, str) else text


def checkmodel_create(*, actor: User, code: str, name: str, spec_text: str, spec_format: str = SpecFormat.YAML,
                      description: str = "", default_queue: str = Queue.VERIFY, create_problems: bool = False,
                      problem_category: "Category | None" = None, origin: str = Origin.CUSTOM,
                      owner: User | None = None) -> CheckModel:
    """Create a model from a validated spec (version 1). New models start disabled."""
    org = _require_actor(actor, None, "新建数据比对模型")
    code = _text(code, "请填写模型代码。", "code", 64)
    if CheckModel.objects.filter(code=code).exists():
        raise ServiceError(f"模型代码“{code}”已被使用。", field="code")
    if default_queue not in Queue.values:
        raise ServiceError("请选择默认研判队列。", field="default_queue")
    name = _text(name, "请填写模型名称。", "name", 100)
    spec_text = _unix_newlines(spec_text)
    compiled = _validated_spec(actor, spec_text, spec_format)
    now = timezone.now()
    with transaction.atomic():
        model = CheckModel.objects.create(
            code=code, name=name, description=(description or "").strip(), owner=owner or actor, owner_org=org,
            spec_text=spec_text, spec_format=spec_format, version=1, enabled=False, default_queue=default_queue,
            create_problems=bool(create_problems), problem_category=problem_category, origin=origin,
            created_at=now, updated_at=now,
        )
        CheckModelVersion.objects.create(model=model, number=1, spec_text=spec_text, spec_format=spec_format,
                                         created_by=actor, created_at=now, note="新建")
        _record_reads(model, compiled)
        _audit_model(model, actor=actor, org=org, action=Action.CREATE, to_state=_state(model),
                     payload={"code": code, "version": 1})
    return model


def checkmodel_update(*, actor: User, model: CheckModel, spec_text: str, spec_format: str, name: str | None = None,
                      description: str | None = None, default_queue: str | None = None,
                      create_problems: bool | None = None, problem_category: "Category | None" = None,
                      note: str = "") -> CheckModel:
    """Save a new spec (a new version, the old ones kept) and the model's settings; an invalid spec saves nothing."""
    org = _require_actor(actor, model, "修改数据比对模型")
    spec_text = _unix_newlines(spec_text)  # a browser's textarea sends CRLF: the same text is not a new version
    compiled = _validated_spec(actor, spec_text, spec_format)
    if default_queue is not None and default_queue not in Queue.values:
        raise ServiceError("请选择默认研判队列。", field="default_queue")
    with transaction.atomic():
        model = CheckModel.objects.select_for_update().select_related("owner_org__region").get(pk=model.pk)
        changed_spec = (spec_text, spec_format) != (model.spec_text, model.spec_format)
        if name is not None:
            model.name = _text(name, "请填写模型名称。", "name", 100)
        if description is not None:
            model.description = description.strip()
        if default_queue is not None:
            model.default_queue = default_queue
        if create_problems is not None:
            model.create_problems = bool(create_problems)
        if problem_category is not None:
            model.problem_category = problem_category
        if changed_spec:
            model.version += 1
            model.spec_text, model.spec_format = spec_text, spec_format
            CheckModelVersion.objects.create(model=model, number=model.version, spec_text=spec_text,
                                             spec_format=spec_format, created_by=actor, created_at=timezone.now(),
                                             note=(note or "").strip()[:200])
        model.updated_at = timezone.now()
        model.save()
        _record_reads(model, compiled)
        _audit_model(model, actor=actor, org=org, action=Action.UPDATE, from_state=_state(model),
                     to_state=_state(model), reason=(note or "").strip(),
                     payload={"version": model.version, "new_version": changed_spec})
    return model


def checkmodel_set_enabled(*, actor: User, model: CheckModel, enabled: bool, reason: str = "") -> CheckModel:
    """Enable or disable a model; enabling a scheduled model sets its next run."""
    org = _require_actor(actor, model, "启用或停用数据比对模型")
    with transaction.atomic():
        model = CheckModel.objects.select_for_update().select_related("owner_org__region").get(pk=model.pk)
        if model.enabled == enabled:
            raise ServiceError("模型已经是启用状态。" if enabled else "模型已经是停用状态。")
        before = _state(model)
        model.enabled = enabled
        model.next_run_at = next_run_after(model.schedule, timezone.now()) if enabled else None
        model.updated_at = timezone.now()
        model.save(update_fields=["enabled", "next_run_at", "updated_at"])
        _audit_model(model, actor=actor, org=org, action=Action.ENABLE if enabled else Action.DISABLE,
                     from_state=before, to_state=_state(model), reason=(reason or "").strip())
    return model


def checkmodel_schedule(*, actor: User, model: CheckModel, schedule: str) -> CheckModel:
    """Set how often the model runs (不定时 / 每日 / 每周)."""
    org = _require_actor(actor, model, "设置模型运行计划")
    if schedule not in Schedule.values:
        raise ServiceError("请选择运行计划：不定时、每日或每周。", field="schedule")
    with transaction.atomic():
        model = CheckModel.objects.select_for_update().select_related("owner_org__region").get(pk=model.pk)
        before = model.schedule
        model.schedule = schedule
        model.next_run_at = next_run_after(schedule, timezone.now()) if model.enabled else None
        model.updated_at = timezone.now()
        model.save(update_fields=["schedule", "next_run_at", "updated_at"])
        _audit_model(model, actor=actor, org=org, action=Action.SCHEDULE, from_state=_state(model),
                     to_state=_state(model), payload={"from": before, "to": schedule})
    return model


# ---------------------------------------------------------------- runs


def run_start(*, actor: User | None, model: CheckModel, dry_run: bool = False, trigger: str = Trigger.MANUAL,
              background: bool = False) -> Run:
    """Run a model through the engine, record the run and upsert its hits (a dry run keeps only a preview).

    `background`: the run is recorded 排队中 with its job (pages and the API: the worker runs it, `run_execute`);
    otherwise it runs here (the scheduler, already in the worker, and scripts). `actor` None is the scheduler
    (trigger 定时). A failed run is recorded with its Chinese error and changes no hit.
    """
    org = None
    if actor is not None:
        org = _require_actor(actor, model, "运行数据比对模型")
    elif trigger != Trigger.SCHEDULED:
        raise PermissionRefused("只有本级纪检监察机关的监督人员可以运行数据比对模型。")
    if not dry_run and not model.enabled:
        raise ServiceError("模型尚未启用，只能试运行。请先试运行检查结果，再启用模型。")
    version = model.versions.get(number=model.version)
    try:
        require_runner_may_read(runner=actor or model.owner, spec_text=version.spec_text,
                                spec_format=version.spec_format)
    except PermissionRefused as exc:
        if actor is not None:
            raise
        return _run_refused(model, version=version, trigger=trigger, message=exc.message)
    return _run(model, version=version, actor=actor, org=org, trigger=trigger, dry_run=dry_run,
                spec_text=version.spec_text, spec_format=version.spec_format, background=background)


def run_draft(*, actor: User, model: CheckModel, spec_text: str, spec_format: str, background: bool = False) -> Run:
    """Dry-run unsaved editor text (草稿试运行): validated exactly as saving validates it, run as a dry run.

    No version is created; the run keeps the text it ran and the saved version it was based on (text unchanged from
    that version is recorded as a dry run of it). Text that does not validate raises the save's Chinese
    ServiceError and records no run.
    """
    org = _require_actor(actor, model, "运行数据比对模型")
    _validated_spec(actor, spec_text, spec_format)
    version = model.versions.get(number=model.version)
    # Browsers send a textarea's lines with CRLF: an untouched editor is the saved version, not a draft.
    unchanged = (spec_text.replace("\r\n", "\n"), spec_format) == (version.spec_text.replace("\r\n", "\n"),
                                                                    version.spec_format)
    draft_spec = None if unchanged else {"spec_text": spec_text, "spec_format": spec_format}
    return _run(model, version=version, actor=actor, org=org, trigger=Trigger.MANUAL, dry_run=True,
                spec_text=spec_text, spec_format=spec_format, draft_spec=draft_spec, background=background)


def _run(model: CheckModel, *, version: CheckModelVersion, actor: User | None, org: Organisation | None, trigger: str,
         dry_run: bool, spec_text: str, spec_format: str, draft_spec: dict | None = None,
         background: bool = False) -> Run:
    """Record a run of `spec_text` and execute it here, or queue it for the worker (`background`)."""
    with transaction.atomic():
        # Recorded first (and committed) so the run page shows it while it waits and while the engine works.
        run = Run.objects.create(model=model, version=version, engine=settings.DATACHECK_ENGINE, trigger=trigger,
                                 dry_run=dry_run, draft_spec=draft_spec, started_by=actor, started_at=timezone.now(),
                                 status=RunStatus.QUEUED if background else RunStatus.RUNNING)
        if background:
            from .tasks import execute_run

            execute_run.enqueue(run.pk)  # the job's row commits with the run's, or neither does
            return run
    return _perform(run, version=version, actor=actor, org=org, spec_text=spec_text, spec_format=spec_format)


def run_execute(run_id: int) -> Run:
    """The worker's side of a queued run: claim it (排队中 → 运行中), check its starter may still run the model,
    and run it as `run_start` would have."""
    claimed = Run.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(status=RunStatus.RUNNING,
                                                                            started_at=timezone.now())
    run = Run.objects.select_related("model", "version", "started_by").get(pk=run_id)
    if not claimed:
        return run  # another worker took it, or it was failed meanwhile
    actor, version = run.started_by, run.version
    spec = run.draft_spec or {"spec_text": version.spec_text, "spec_format": version.spec_format}
    try:
        org = _require_actor(actor, run.model, "运行数据比对模型") if actor is not None else None
    except ServiceError as exc:
        return _run_failed(run, actor=actor, org=None, message=exc.message, started=time.perf_counter())
    return _perform(run, version=version, actor=actor, org=org, **spec)


def run_interrupted(run_id: int) -> None:
    """The worker running this run's job died: a run not finished is 失败 with the queue's message; DuckDB rolled
    its result table back with the process and no hit was written (they are saved in one transaction)."""
    from qingshan.core.jobs import INTERRUPTED

    run = Run.objects.select_related("model", "started_by").filter(pk=run_id).first()
    if run is None or run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return
    _run_failed(run, actor=run.started_by, org=None, message=INTERRUPTED, started=time.perf_counter())


def _perform(run: Run, *, version: CheckModelVersion, actor: User | None, org: Organisation | None, spec_text: str,
             spec_format: str) -> Run:
    """Execute a recorded run within its time limit, keep its figures and hits (or preview); a failure is recorded."""
    started = time.perf_counter()
    with RunDeadline(settings.MODEL_TIMEOUT_SECONDS) as deadline:
        try:
            compiled = compile_spec(spec_text, spec_format)  # a draft's was compiled when validated: cached
            outcome = _execute(compiled, run=run, dry_run=run.dry_run, deadline=deadline)
        except ServiceError as exc:
            return _run_failed(run, actor=actor, org=org, message=exc.message, started=started)
        except Exception as exc:  # noqa: BLE001 - an engine failure is recorded on the run, in Chinese, not a 500
            message = deadline.message or f"模型运行失败：{exc}"
            return _run_failed(run, actor=actor, org=org, message=message, started=started)
        try:
            locked = _record_run(run, outcome, actor=actor, org=org, version=version, started=started)
        except Exception as exc:  # noqa: BLE001 - the hits' transaction rolled back whole; say why on the run
            message = deadline.message or f"模型运行结果保存失败：{exc}"
            return _run_failed(run, actor=actor, org=org, message=message, started=started)
        finally:
            outcome.engine.close()
    if not run.dry_run and locked.create_problems and run.new_hits:
        _create_problems_directly(locked, run)
    return run


def _record_run(run: Run, outcome: "RunOutcome", *, actor: User | None, org: Organisation | None,
                version: CheckModelVersion, started: float) -> CheckModel:
    """Store the run's figures and upsert its hits (or keep a dry run's preview), audited, in one transaction."""
    model, dry_run = run.model, run.dry_run
    with transaction.atomic():
        locked = CheckModel.objects.select_for_update().select_related("owner_org__region", "owner").get(pk=model.pk)
        run.rows_scanned = int(outcome.rows_scanned or 0)
        run.hit_rows = int(outcome.hit_rows or 0)
        subjects = (_subject(raw) for raw in outcome.iter_subjects(BATCH_SIZE))
        if dry_run:
            run.preview = [vars(s) | {"lng": _str(s.lng), "lat": _str(s.lat)}
                           for s in islice(subjects, PREVIEW_SUBJECTS)]
            run.subjects = int(outcome.subject_count or 0)
        else:
            _upsert_hits(locked, run, subjects)
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save()
        record_event(object_type=RUN_TYPE, object_id=run.pk, action=Action.RUN, actor=actor, actor_org=org,
                     to_state=run.status, internal=True, payload={
                         "model": model.code, "version": version.number, "dry_run": dry_run, "trigger": run.trigger,
                         "rows_scanned": run.rows_scanned, "subjects": run.subjects, "new_hits": run.new_hits,
                         "recurrences": run.recurrences, **_draft_payload(run)})
    return locked


def _draft_payload(run: Run) -> dict:
    """What the audit event of a draft's dry run adds: that the text was unsaved, and its digest to match it later."""
    if run.draft_spec is None:  # not run.is_draft, spelled so the type checker sees the spec is there
        return {}
    digest = hashlib.sha256(run.draft_spec["spec_text"].encode()).hexdigest()
    return {"draft": True, "draft_sha256": digest}


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _run_failed(run: Run, *, actor: User | None, org: Organisation | None, message: str, started: float) -> Run:
    with transaction.atomic():
        run.status = RunStatus.FAILED
        run.subjects = run.new_hits = run.recurrences = 0  # nothing of a failed run was kept
        run.error = message[:2000]
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save()
        record_event(object_type=RUN_TYPE, object_id=run.pk, action=Action.RUN, actor=actor, actor_org=org,
                     to_state=run.status, reason=run.error, internal=True,
                     payload={"model": run.model.code, **_draft_payload(run)})
    return run


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _upsert_hits(model: CheckModel, run: Run, subjects: Iterable[Subject]) -> None:
    """Dedup by (model, subject key) among open hits: a recurrence updates the open hit and counts; a subject last
    dismissed opens a new hit linked to the dismissed one. Open hits the run did not show stay open, flagged."""
    now = run.started_at
    regions = _district_centres(model)
    named = SubjectNamer(model)
    for batch in _batches(subjects, BATCH_SIZE):
        by_key: dict[str, Subject] = {}
        for subject in batch:
            if subject.key:  # the engine groups by subject; a repeated key in one run is the same subject
                by_key.setdefault(subject.key, subject)
        # A subject without a label column is named (and placed) by its register: 青山桥 in 江岸区, not S01.
        places: dict[str, Region | None] = {}
        for key, (name, region) in named(list(by_key)).items():
            if name and by_key[key].label == key:
                by_key[key].label = name[:200]
            places[key] = region
        run.subjects += len(by_key)
        open_hits = {h.subject_key: h for h in Hit.objects.filter(
            model=model, subject_key__in=list(by_key), state__in=[HitState.NEW, HitState.VERIFYING,
                                                                   HitState.CONVERTED])}
        dismissed: dict[str, Hit] = {}
        for old in Hit.objects.filter(model=model, subject_key__in=[k for k in by_key if k not in open_hits],
                                      state=HitState.DISMISSED).order_by("subject_key", "-id"):
            dismissed.setdefault(old.subject_key, old)
        updated: list[Hit] = []
        created: list[Hit] = []
        for key, subject in by_key.items():
            hit = open_hits.get(key)
            if hit is not None:
                hit.last_run, hit.last_seen_at = run, now
                hit.occurrences += 1
                hit.absent_in_last_run = False
                hit.hit_rows, hit.evidence = subject.rows, subject.evidence
                hit.subject_label = subject.label or hit.subject_label
                if subject.lng is not None:
                    hit.lng, hit.lat = subject.lng, subject.lat
                updated.append(hit)
            else:
                created.append(Hit(
                    model=model, subject_key=key, subject_label=subject.label, state=HitState.NEW,
                    queue=model.default_queue, first_run=run, last_run=run, first_seen_at=now, last_seen_at=now,
                    occurrences=1, hit_rows=subject.rows, evidence=subject.evidence, lng=subject.lng,
                    lat=subject.lat, region=places.get(key) or _region_near(regions, subject),
                    previous=dismissed.get(key),
                ))
        Hit.objects.bulk_update(updated, ["last_run", "last_seen_at", "occurrences", "absent_in_last_run",
                                          "hit_rows", "evidence", "subject_label", "lng", "lat"])
        Hit.objects.bulk_create(created)
        run.new_hits += len(created)
        run.recurrences += len(updated)
    # Never closed because the data stopped showing it: only flagged for the person deciding.
    Hit.objects.filter(model=model, state__in=UNDECIDED_HIT_STATES).exclude(last_run=run).update(
        absent_in_last_run=True)


def _district_centres(model: CheckModel) -> list[Region]:
    """The located regions within the model owner's jurisdiction, deepest first (a town beats its district)."""
    path = model.owner_org.region.path
    return sorted(Region.objects.filter(path__startswith=path, centre_lng__isnull=False, level__lte=2),
                  key=lambda r: -r.level)


def _region_near(regions: list[Region], subject: Subject) -> Region | None:
    """The district whose centre is nearest to a located subject (a suggestion; the person confirming may change it)."""
    if subject.lng is None or subject.lat is None or not regions:
        return None
    deepest = regions[0].level
    candidates = [r for r in regions if r.level == deepest]
    # The regions are located ones (_district_centres), so their coordinates are not None here.
    return min(candidates, key=lambda r: (float(r.centre_lng) - float(subject.lng)) ** 2  # type: ignore[arg-type]
               + (float(r.centre_lat) - float(subject.lat)) ** 2)  # type: ignore[arg-type]


def _create_problems_directly(model: CheckModel, run: Run) -> None:
    """For models set to create problems directly: each new hit of this run becomes a problem, in the owner's name.

    A hit that cannot be turned into a problem (e.g. the owner lost the role) stays in the triage queue.
    """
    created = 0
    for hit in Hit.objects.filter(model=model, first_run=run, state=HitState.NEW).select_related(
            "model__owner_org__region", "region"):
        try:
            hit_confirm(actor=model.owner, hit=hit, category=model.problem_category,
                        reason="模型设置为命中直接生成问题")
            created += 1
        except ServiceError:
            continue
    Run.objects.filter(pk=run.pk).update(problems_created=F("problems_created") + created)
    run.problems_created += created


# ---------------------------------------------------------------- triage (研判)


def _locked_hit(hit: Hit) -> Hit:
    return Hit.objects.select_for_update(of=("self",)).select_related(
        "model__owner_org__region", "region", "model__problem_category").get(pk=hit.pk)


def _check_state(hit: Hit, action: str) -> HitState:
    """The state `action` leads to, or the table's refusal when the hit's state does not allow it."""
    HIT_ACTIONS.check_state(action, hit.state, ServiceError)
    return HitState(HIT_ACTIONS.leads_to(action))


def _audit_hit(hit: Hit, *, actor: User, org: Organisation | None, action: str, from_state: str, reason: str = "",
               payload: dict | None = None) -> None:
    record_event(object_type=HIT_TYPE, object_id=hit.pk, action=action, actor=actor, actor_org=org,
                 from_state=from_state, to_state=hit.state, reason=reason, payload=payload, internal=True)


def _evidence_seals(hit: Hit) -> list:
    """The seals of exactly the batches the hit's evidence rows came from (issue 16, `lineage.py`), sealed before
    the run that last showed the hit; every live batch of a data set the model reads as a whole."""
    from qingshan.datasets.selectors import live_seals

    from .lineage import evidence_batches

    version = hit.last_run.version if hit.last_run_id else None
    datasets = list(hit.model.datasets.all())
    if version is None:
        return list(live_seals(datasets=datasets))
    try:
        compiled = compile_spec(version.spec_text, version.spec_format)
    except ServiceError:  # the version no longer compiles against today's schemas: keep what the data sets hold
        return list(live_seals(datasets=datasets))
    batches = evidence_batches(compiled, _catalog(), hit.subject_key)
    kept = []
    for seal in live_seals(datasets=[d for d in datasets if d.code in batches]):
        wanted = batches[seal.dataset.code]
        if wanted is None or (seal.batch_id in wanted and seal.sealed_at <= hit.last_run.started_at):
            kept.append(seal)
    return kept


@HIT_ACTIONS.performs(Action.CONFIRM)
def hit_confirm(*, actor: User, hit: Hit, category: "Category | None" = None, region: Region | None = None,
                title: str = "", reason: str = "") -> Hit:
    """Confirm a hit (研判确认): register a problem (source 数据比对模型) from it and link the two; audit both."""
    from qingshan.problems.models import Source
    from qingshan.problems.services import problem_create

    with transaction.atomic():
        hit = _locked_hit(hit)
        org = _require_actor(actor, hit.model, "确认线索并转为问题")
        to_state = _check_state(hit, Action.CONFIRM)
        category = category or hit.model.problem_category
        if category is None:
            raise ServiceError("请选择问题类别。", field="category")
        mask_hits([hit], evidence=True)  # the problem reaches units and leaders who never revealed identifiers
        vocabulary = model_vocabulary(hit.model)
        subject = hit_subject(hit, vocabulary)
        region = region or subject.region or hit.model.owner_org.region
        source = Source.objects.filter(code="model").first()
        if source is None:
            raise ServiceError("系统中没有“数据比对模型”问题来源，请管理员在问题来源中添加（代码 model）。")
        before = hit.state
        problem = problem_create(
            actor=actor,
            title=(title or "").strip() or hit_title(hit, subject),
            description=hit_description(hit, vocabulary, subject), source=source, category=category, region=region,
            location=subject.name[:200], lng=hit.lng, lat=hit.lat,
            urgency="urgent" if hit.queue == Queue.URGENT else "normal",
        )
        hit.state, hit.problem = to_state, problem
        hit.decided_by, hit.decided_at, hit.reason = actor, timezone.now(), (reason or "").strip()
        hit.save(update_fields=["state", "problem", "decided_by", "decided_at", "reason"])
        seals = _evidence_seals(hit)
        hit.evidence_seals.set(seals)
        _audit_hit(hit, actor=actor, org=org, action=Action.CONFIRM, from_state=before, reason=hit.reason,
                   payload={"problem": problem.number, "problem_id": problem.pk,
                            "seals": [s.seal for s in seals]})
    return hit


@HIT_ACTIONS.performs(Action.VERIFY)
def hit_verify(*, actor: User, hit: Hit, reason: str = "", queue: str | None = None) -> Hit:
    """Mark a hit for verification (转核查): it stays open in the 核查中 state until someone confirms or dismisses."""
    with transaction.atomic():
        hit = _locked_hit(hit)
        org = _require_actor(actor, hit.model, "将线索转核查")
        to_state = _check_state(hit, Action.VERIFY)
        before = hit.state
        hit.state = to_state
        if queue:
            if queue not in Queue.values:
                raise ServiceError("请选择研判队列。", field="queue")
            hit.queue = queue
        hit.decided_by, hit.decided_at, hit.reason = actor, timezone.now(), (reason or "").strip()
        hit.save(update_fields=["state", "queue", "decided_by", "decided_at", "reason"])
        _audit_hit(hit, actor=actor, org=org, action=Action.VERIFY, from_state=before, reason=hit.reason)
    return hit


@HIT_ACTIONS.performs(Action.DISMISS)
def hit_dismiss(*, actor: User, hit: Hit, reason: str) -> Hit:
    """Dismiss a hit (排除) with a reason; if the subject shows again later, a new hit links back to this one."""
    reason = _text(reason, "排除线索须填写理由。", "reason")
    with transaction.atomic():
        hit = _locked_hit(hit)
        org = _require_actor(actor, hit.model, "排除线索")
        to_state = _check_state(hit, Action.DISMISS)
        before = hit.state
        hit.state = to_state
        hit.decided_by, hit.decided_at, hit.reason = actor, timezone.now(), reason
        hit.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        _audit_hit(hit, actor=actor, org=org, action=Action.DISMISS, from_state=before, reason=reason)
    return hit
