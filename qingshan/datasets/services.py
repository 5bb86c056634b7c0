"""Every change to data sets: define or evolve a schema, start and run an import batch, bulk-load rows.

Each checks permission, changes DuckDB under the writer lock and records the audit event in the same Django
transaction as the record it changes.
"""
import datetime as dt
import hashlib
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import duckdb
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from qingshan.access.datasets import require_manager, visible_datasets
from qingshan.audit.services import record_event
from qingshan.core.errors import ServiceError
from qingshan.orgs.models import Organisation, User

from .catalog import COLUMN_TYPES
from .choices import Action, BatchStatus, ImportMode, Storage
from .importing import ImportRefused, import_file, rows_to_csv
from .models import BatchSeal, Dataset, ImportBatch
from .schema import load_spec_file, parse_spec
from .sealing import BATCH_COLUMN, SEAL_VERSION, seal_of
from .storage import duckdb_connect, quote_ident, quote_literal, writer_lock

if TYPE_CHECKING:
    from .importing import Outcome
    from .verification import VerifyReport

log = logging.getLogger(__name__)

DATASET = "datasets.dataset"
BATCH = "datasets.importbatch"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")
WAITING = "等待其他导入完成"
INTERRUPTED = "后台任务中断（工作进程已停止），数据未做任何修改，请重新提交导入。"
# How long a file in the incoming folder that no live batch owns is left alone before recovery deletes it.
ORPHAN_AFTER = dt.timedelta(hours=1)


def _actor_org(actor: User | None) -> Organisation | None:
    """The organisation an actor acts for in the audit log: the first it supervises in, if any."""
    if actor is None:
        return None
    from qingshan.access.actors import profile_of

    profile = profile_of(actor)
    return profile.supervising[0] if profile.supervising else None


def _owning_commission(actor: User | None) -> Organisation | None:
    """The commission a new data set belongs to: the one the actor defines it for (through an office or a stationed
    group), or the top-level commission for the catalogue's system definitions (the city's data, issue 9). None
    only on an instance with no commission yet: such a data set is seen by nobody (access fails closed)."""
    from qingshan.orgs.choices import OrgKind
    from qingshan.orgs.models import commission_of

    org = _actor_org(actor)
    commission = commission_of(org, through_stationed_group=True) if org is not None else None
    if commission is None:
        commission = (Organisation.objects.filter(kind=OrgKind.COMMISSION, is_active=True,
                                                  region__parent__isnull=True).order_by("sort_order", "pk").first())
    return commission


# ---------------------------------------------------------------- schema


def _table_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0]  # type: ignore[index]
    return con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0] if found else 0  # type: ignore[index]


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the table or view `name`, whichever it is (DuckDB refuses DROP VIEW on a table and vice versa)."""
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ? AND "
                       "table_schema = 'main'", [name]).fetchone()
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} {quote_ident(name)}")


def _apply_schema(con: duckdb.DuckDBPyConnection, dataset: Dataset, old_columns: list[dict], new: dict) -> None:
    """Bring the DuckDB table (or Parquet view) in line with a new schema; refuse changes that would lose data."""
    table = dataset.table
    if new["parquet"]:
        path = Path(new["parquet"])
        if not path.is_file():
            raise ServiceError(f"外部 Parquet 文件“{path}”不存在。")
        names = ", ".join(quote_ident(c["name"]) for c in new["columns"])
        try:
            _drop(con, table)
            con.execute(f"CREATE VIEW {quote_ident(table)} AS SELECT {names} FROM "
                        f"read_parquet({quote_literal(str(path))})")
            con.execute(f"SELECT * FROM {quote_ident(table)} LIMIT 0")
        except duckdb.Error as exc:
            raise ServiceError(f"外部 Parquet 文件“{path.name}”无法读取或缺少数据集定义的字段。") from exc
        return
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_type = 'VIEW'",  # type: ignore[index]
                   [table]).fetchone()[0]:
        _drop(con, table)  # was registered external Parquet; now stored here
    rows = _table_rows(con, table)
    old = {c["name"]: c for c in old_columns}
    new_names = {c["name"] for c in new["columns"]}
    if rows:
        removed = [c["label"] for n, c in old.items() if n not in new_names]
        retyped = [c["label"] for c in new["columns"] if c["name"] in old and old[c["name"]]["type"] != c["type"]]
        added_required = [c["label"] for c in new["columns"] if c["name"] not in old and c["required"]]
        problems = []
        if removed:
            problems.append(f"删除字段（{'、'.join(removed)}）")
        if retyped:
            problems.append(f"修改字段类型（{'、'.join(retyped)}）")
        if added_required:
            problems.append(f"新增必填字段（{'、'.join(added_required)}）")
        if problems:
            raise ServiceError(f"数据集“{dataset.name}”已有 {rows} 行数据，不能{'、'.join(problems)}。"
                               "请先以“替换全部数据”方式导入空表或另建数据集。")
    else:
        _drop(con, table)
    defs = ", ".join(f"{quote_ident(c['name'])} {COLUMN_TYPES[c['type']]}" for c in new["columns"])
    con.execute(f"CREATE TABLE IF NOT EXISTS {quote_ident(table)} ({defs}, {quote_ident(BATCH_COLUMN)} BIGINT)")
    con.execute(f"ALTER TABLE {quote_ident(table)} ADD COLUMN IF NOT EXISTS {quote_ident(BATCH_COLUMN)} BIGINT")
    for c in new["columns"]:
        if c["name"] not in old or not rows:
            con.execute(f"ALTER TABLE {quote_ident(table)} ADD COLUMN IF NOT EXISTS {quote_ident(c['name'])} "
                        f"{COLUMN_TYPES[c['type']]}")


def _define(*, actor: User | None, spec: dict, owner_org: Organisation | None = None) -> Dataset:
    new = parse_spec(spec)
    with writer_lock(), transaction.atomic():
        dataset = Dataset.objects.select_for_update().filter(code=new["code"]).first()
        created = dataset is None
        if dataset is None:
            dataset = Dataset(code=new["code"], owner_org=owner_org or _owning_commission(actor))
            old_columns = []
        else:
            old_columns = list(dataset.columns)
        shape = (new["columns"], new["key"], new["subject"], new["lng"], new["lat"], new["parquet"])
        if not created and shape == (dataset.columns, dataset.key, dataset.subject, dataset.lng_column,
                                     dataset.lat_column, dataset.external_path) \
                and (new["name"], new["description"]) == (dataset.name, dataset.description):
            return dataset  # nothing changed: no new version, no event
        if not created and shape[:1] != (dataset.columns,):
            dataset.schema_version += 1
        dataset.name, dataset.description = new["name"], new["description"]
        dataset.columns, dataset.key, dataset.subject = new["columns"], new["key"], new["subject"]
        dataset.lng_column, dataset.lat_column = new["lng"], new["lat"]
        dataset.storage = Storage.PARQUET if new["parquet"] else Storage.TABLE
        dataset.external_path = new["parquet"]
        with duckdb_connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                _apply_schema(con, dataset, old_columns, new)
                dataset.row_count = _table_rows(con, dataset.table) if not new["parquet"] else \
                    con.execute(f"SELECT count(*) FROM {quote_ident(dataset.table)}").fetchone()[0]  # type: ignore[index]
                dataset.save()
                record_event(object_type=DATASET, object_id=dataset.pk,
                             action=Action.DEFINE if created else Action.EVOLVE, actor=actor,
                             actor_org=_actor_org(actor),
                             payload={"code": dataset.code, "schema_version": dataset.schema_version,
                                      "columns": [c["name"] for c in dataset.columns]})
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
    return dataset


def dataset_define(*, actor: User, spec: dict) -> Dataset:
    """Create a data set from a spec dict, or evolve an existing one (same code); validated and audited."""
    require_manager(actor, "定义数据集")
    code = spec.get("code") if isinstance(spec, dict) else None
    # Evolving someone else's data set (another commission's, outside the actor's jurisdiction) is refused as the
    # code being taken, which says no more than the list of codes already does.
    if code and Dataset.objects.filter(code=code).exists() and not visible_datasets(actor).filter(code=code).exists():
        raise ServiceError(f"数据集代码“{code}”已被使用。", field="code")
    return _define(actor=actor, spec=spec)


def sync_schema_files(paths: Iterable[Path | str], *, actor: User | None = None) -> list[Dataset]:
    """Define or evolve the data sets described in YAML/JSON files (the catalogue's schemas); a system action."""
    if actor is not None:
        require_manager(actor, "定义数据集")
    datasets = []
    for path in paths:
        for spec in load_spec_file(path):
            datasets.append(_define(actor=actor, spec=spec))
    return datasets


# ---------------------------------------------------------------- import batches


def _incoming_dir() -> Path:
    folder = settings.DATASETS_DIR / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def batch_create(*, actor: User, dataset: Dataset, upload: File | IO[bytes], mode: str = ImportMode.APPEND,
                 background: bool = True) -> ImportBatch:
    """Accept an uploaded file for import into `dataset`: check its name and size, keep it with its checksum and
    queue the batch (audited) with its job in the same transaction; the worker reads it. `background=False` runs
    the import here and now (the demo generator and command-line loads, never a web request)."""
    require_manager(actor)
    if dataset.storage != Storage.TABLE:
        raise ServiceError(f"数据集“{dataset.name}”登记为外部 Parquet 文件，不能导入数据。")
    batches_recover_interrupted()
    if mode not in ImportMode.values:
        raise ServiceError("导入方式只能是“追加”或“替换全部数据”。", field="mode")
    name = Path(getattr(upload, "name", "") or "upload.csv").name
    if not name.lower().endswith(UPLOAD_SUFFIXES + (".xls",)):
        raise ServiceError("只能导入 CSV、Excel（.xlsx）或 Parquet 文件。", field="file")
    size = getattr(upload, "size", None) or 0
    if size > MAX_UPLOAD_BYTES:
        raise ServiceError("文件超过 2 GB，请拆分后导入，或登记为外部 Parquet 文件。", field="file")
    stored = _incoming_dir() / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    digest = hashlib.sha256()
    size = 0
    with open(stored, "wb") as out:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    with transaction.atomic():
        batch = ImportBatch.objects.create(dataset=dataset, created_by=actor, original_name=name[:255],
                                           stored_path=str(stored), sha256=digest.hexdigest(), size=size, mode=mode,
                                           status=BatchStatus.QUEUED, phase="排队等待")
        record_event(object_type=BATCH, object_id=batch.pk, action=Action.IMPORT_START, actor=actor,
                     actor_org=_actor_org(actor), to_state=BatchStatus.QUEUED,
                     payload={"dataset": dataset.code, "file": name, "sha256": batch.sha256, "size": size,
                              "mode": mode})
        if background:
            from .tasks import run_import_batch

            run_import_batch.enqueue(batch.pk)  # a row of the same transaction: queued exactly when the batch is
    if not background:
        batch_run(batch.pk)
        batch.refresh_from_db()
    return batch


def _progress_updater(batch_id: int) -> Callable[..., None]:
    def update(**fields: Any) -> None:
        ImportBatch.objects.filter(pk=batch_id).update(**fields)
    return update


def batch_run(batch_id: int) -> ImportBatch:
    """Run one queued import to its end: 已完成 with the table changed, or 失败 with its report and nothing changed."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING, started_at=timezone.now(), phase=WAITING, percent=1)
    batch = ImportBatch.objects.select_related("dataset", "created_by").get(pk=batch_id)
    if not claimed:
        return batch  # another worker took it, or it has already finished
    update = _progress_updater(batch_id)

    def on_format(file_format: str, encoding: str) -> None:
        update(file_format=file_format, encoding=encoding)

    try:
        # Failures are recorded while the lock is still held, so a free lock with a batch 导入中 means a dead import.
        with writer_lock():
            try:
                _run_locked(batch, update, on_format)
            except ImportRefused as refused:
                _fail(batch, refused.summary, refused.errors, refused.count)
            except Exception as exc:
                log.exception("import batch %s failed unexpectedly", batch_id)
                _fail(batch, f"导入时发生系统错误（{type(exc).__name__}），数据未做任何修改。请联系管理员。", [], 0)
    finally:
        Path(batch.stored_path).unlink(missing_ok=True)
    batch.refresh_from_db()
    return batch


def _run_locked(batch: ImportBatch, update: Callable[..., None], on_format: Callable[[str, str], None]) -> None:
    """The import itself, under the writer lock: DuckDB first, then the batch, counts and event in one transaction."""
    dataset, batch_id = batch.dataset, batch.pk
    with duckdb_connect(read_only=False) as con:
        # Progress is written outside any transaction, so the page polling this batch sees it as it happens (on
        # PostgreSQL an open transaction would hide it until the end; on SQLite it would lock the table).
        outcome = import_file(con, path=Path(batch.stored_path), original_name=batch.original_name,
                              table=dataset.table, columns=dataset.columns, key=dataset.key,
                              mode=batch.mode, progress=update, on_format=on_format, batch_id=batch_id)
        # The batch, the counts, the seal and the event are saved together once DuckDB has committed the data.
        with transaction.atomic():
            seal = _seal_batch(batch, outcome)
            now = timezone.now()
            ImportBatch.objects.filter(pk=batch_id).update(
                status=BatchStatus.DONE, finished_at=now, phase="完成", percent=100, rows_done=outcome.rows,
                rows_total=outcome.rows, row_count=outcome.rows, file_format=outcome.file_format,
                encoding=outcome.encoding)
            Dataset.objects.filter(pk=dataset.pk).update(row_count=outcome.table_rows, last_import_at=now,
                                                         updated_at=now)
            record_event(object_type=BATCH, object_id=batch_id, action=Action.IMPORT_DONE,
                         actor=batch.created_by, actor_org=_actor_org(batch.created_by),
                         from_state=BatchStatus.RUNNING, to_state=BatchStatus.DONE,
                         payload={"dataset": dataset.code, "rows": outcome.rows, "mode": batch.mode,
                                  "table_rows": outcome.table_rows, "encoding": outcome.encoding,
                                  **_seal_payload(seal)})


def batches_recover_interrupted() -> int:
    """Mark 失败 the batches left 导入中 by an import that died (server restart): when no writer holds the lock, a
    batch past its waiting phase cannot be running any more. Their files (the upload and the scratch copies made
    while importing) are deleted, and so is anything else in the incoming folder that no queued or running batch
    owns and that nobody has touched for ORPHAN_AFTER. (The staging table is a DuckDB TEMP table: it dies with the
    process that made it, so a crash leaves none behind.) Returns how many batches were marked."""
    with writer_lock(blocking=False) as held:
        if not held:
            return 0
        stale = list(ImportBatch.objects.filter(status=BatchStatus.RUNNING).exclude(phase=WAITING)
                     .select_related("dataset", "created_by"))
        for batch in stale:
            _fail(batch, INTERRUPTED, [], 0)
            _remove_batch_files(batch.stored_path)
        _remove_orphans()
        return len(stale)


def batch_interrupted(batch_id: int) -> None:
    """The worker running this batch's job died: a batch not finished is 失败 (INTERRUPTED, nothing was changed:
    DuckDB rolled back with the process) and its files are deleted."""
    batch = ImportBatch.objects.select_related("dataset", "created_by").filter(pk=batch_id).first()
    if batch is None or batch.is_finished:
        return
    _fail(batch, INTERRUPTED, [], 0)
    _remove_batch_files(batch.stored_path)


def _remove_batch_files(stored_path: str) -> None:
    """Delete a batch's upload and the scratch folders its import made beside it (named after the upload)."""
    if not stored_path:
        return
    stored = Path(stored_path)
    stored.unlink(missing_ok=True)
    for scratch in stored.parent.glob(f"{stored.stem}-*"):
        shutil.rmtree(scratch, ignore_errors=True)


def _last_touched(path: Path) -> float:
    """The newest modification time of a file, or of a folder and what it holds."""
    if not path.is_dir():
        return path.stat().st_mtime
    return max([path.stat().st_mtime, *(p.stat().st_mtime for p in path.rglob("*"))])


def _remove_orphans() -> None:
    """Delete what the incoming folder holds for no live batch: files of uploads that died before their batch was
    saved, scratch folders of killed bulk loads. Only when untouched for ORPHAN_AFTER, since an upload being
    written or a bulk load preparing its rows works there before it takes the writer lock."""
    live = {Path(p).stem for p in ImportBatch.objects.filter(status__in=(BatchStatus.QUEUED, BatchStatus.RUNNING))
            .values_list("stored_path", flat=True) if p}
    cutoff = time.time() - ORPHAN_AFTER.total_seconds()
    for entry in _incoming_dir().iterdir():
        try:
            if entry.name.split(".")[0].split("-")[0] in live or _last_touched(entry) > cutoff:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except FileNotFoundError:
            continue  # removed meanwhile


def _fail(batch: ImportBatch, summary: str, errors: list[str], count: int) -> None:
    """Record the batch as 失败 with its report and the audit event (nothing else has changed)."""
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, finished_at=timezone.now(), phase="失败", error_summary=summary[:500],
            errors=errors, error_count=max(count, len(errors), 1))
        record_event(object_type=BATCH, object_id=batch.pk, action=Action.IMPORT_FAILED, actor=batch.created_by,
                     actor_org=_actor_org(batch.created_by), from_state=BatchStatus.RUNNING,
                     to_state=BatchStatus.FAILED, reason=summary[:500],
                     payload={"dataset": batch.dataset.code, "errors": count})


# ---------------------------------------------------------------- bulk load (demo generator, tests)


def dataset_load_rows(*, actor: User | None, dataset: Dataset, rows: Iterable | None = None,
                      relation: "duckdb.DuckDBPyRelation | None" = None, mode: str = ImportMode.APPEND) -> int:
    """Load rows (sequences in schema order, or dicts by column name) or a DuckDB relation into `dataset`, through
    the same validation as an import, all or nothing; returns the number of rows loaded. `actor=None` is the system
    (demo generator). Raises ServiceError with the first problems listed when the rows do not fit the schema."""
    if actor is not None:
        require_manager(actor)
    if (rows is None) == (relation is None):
        raise ValueError("give exactly one of rows or relation")
    if dataset.storage != Storage.TABLE:
        raise ServiceError(f"数据集“{dataset.name}”登记为外部 Parquet 文件，不能装载数据。")
    with tempfile.TemporaryDirectory(dir=_incoming_dir(), prefix="load-") as scratch:
        if relation is not None:
            path, name = Path(scratch) / "rows.parquet", "rows.parquet"
            relation.write_parquet(str(path))
        else:
            path, name = Path(scratch) / "rows.csv", "rows.csv"
            rows_to_csv(rows, dataset.column_names, path)  # type: ignore[arg-type]  # not None: exactly one of rows or relation
        digest = hashlib.sha256()
        with open(path, "rb") as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                digest.update(chunk)
        with writer_lock(), duckdb_connect(read_only=False) as con, transaction.atomic():
            # A bulk load is a batch too (系统装载), so its rows are attributable and sealed like an upload's.
            batch = ImportBatch.objects.create(
                dataset=dataset, created_by=actor, original_name="系统装载", file_format=path.suffix.lstrip("."),
                sha256=digest.hexdigest(), size=path.stat().st_size, mode=mode, status=BatchStatus.RUNNING,
                started_at=timezone.now(), phase="写入数据")
            try:
                outcome = import_file(con, path=path, original_name=name, table=dataset.table,
                                      columns=dataset.columns, key=dataset.key, mode=mode, batch_id=batch.pk)
            except ImportRefused as refused:
                detail = "；".join(refused.errors[:5])
                raise ServiceError(refused.summary + (f"（{detail}）" if detail else "")) from refused
            now = timezone.now()
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.DONE, finished_at=now, phase="完成", percent=100, rows_done=outcome.rows,
                rows_total=outcome.rows, row_count=outcome.rows, encoding=outcome.encoding)
            seal = _seal_batch(batch, outcome)
            Dataset.objects.filter(pk=dataset.pk).update(row_count=outcome.table_rows, last_import_at=now,
                                                         updated_at=now)
            record_event(object_type=DATASET, object_id=dataset.pk, action=Action.LOAD, actor=actor,
                         actor_org=_actor_org(actor),
                         payload={"rows": outcome.rows, "mode": mode, "batch": batch.pk, **_seal_payload(seal)})
    dataset.row_count = outcome.table_rows
    return outcome.rows


# ---------------------------------------------------------------- seals (issue 16; definitions in sealing.py)


def _seal_batch(batch: ImportBatch, outcome: "Outcome") -> BatchSeal:
    """Seal a batch just written (inside the transaction that records it; the caller holds the writer lock, so
    the chain of the data set has one writer). A replace import supersedes every earlier live seal."""
    dataset = Dataset.objects.select_for_update().get(pk=batch.dataset_id)
    last = BatchSeal.objects.filter(dataset=dataset).order_by("-sequence").first()
    columns = [[c["name"], c["type"]] for c in dataset.columns]
    importer = batch.created_by.get_username() if batch.created_by is not None else ""
    sealed_at = timezone.now()
    previous = last.seal if last else ""
    fields = {"dataset": dataset.code, "batch": batch.pk, "previous": previous,
              "columns": [tuple(c) for c in columns], "rows": outcome.rows, "rows_sha256": outcome.rows_sha256,
              "file_sha256": batch.sha256, "importer": importer, "sealed_at": sealed_at, "version": SEAL_VERSION}
    seal = BatchSeal.objects.create(
        batch=batch, dataset=dataset, sequence=(last.sequence + 1) if last else 1, previous_seal=previous,
        columns=columns, row_count=outcome.rows, rows_sha256=outcome.rows_sha256, file_sha256=batch.sha256,
        importer_name=importer, sealed_at=sealed_at, seal=seal_of(**fields), version=SEAL_VERSION)
    if batch.mode == ImportMode.REPLACE:
        BatchSeal.objects.filter(dataset=dataset, superseded_by__isnull=True).exclude(pk=seal.pk).update(
            superseded_by=seal)
    return seal


def _seal_payload(seal: BatchSeal) -> dict:
    return {"seal": seal.seal, "seal_sequence": seal.sequence, "previous_seal": seal.previous_seal,
            "rows_sha256": seal.rows_sha256, "file_sha256": seal.file_sha256, "seal_version": seal.version}


def datasets_verify(*, actor: User | None = None, datasets: Iterable[Dataset] | None = None,
                    on_behalf_of: User | None = None) -> "VerifyReport":
    """Re-hash the stored rows of every sealed batch (of `datasets`, or all) and check each data set's chain; the
    outcome of each seal is recorded on it and the run is audited. `actor=None` is the command line or the job
    (`on_behalf_of` then names who asked for it, checked when asking)."""
    from .verification import verify_datasets

    if actor is not None:
        from qingshan.access.datasets import require_verifier

        require_verifier(actor)
    report = verify_datasets(datasets)
    now = timezone.now()
    with transaction.atomic():
        for result in report.results:
            for seal_id, problem in result.seal_outcomes.items():
                BatchSeal.objects.filter(pk=seal_id).update(verified_at=now, verified_ok=not problem,
                                                            verify_problem=problem[:300])
        who = actor or on_behalf_of
        record_event(object_type=DATASET, object_id=0, action=Action.VERIFY, actor=who,
                     actor_org=_actor_org(who), payload={
                         "datasets": [r.dataset.code for r in report.results], "findings": len(report.findings),
                         "batches": report.batch_count, "rows": report.row_count})
    return report


def datasets_verify_request(*, actor: User, datasets: Iterable[Dataset]) -> int:
    """Queue a verification of `datasets` (those the actor sees) for the worker; returns how many were queued."""
    from qingshan.access.datasets import require_verifier

    from .tasks import run_datasets_verify

    require_verifier(actor)
    codes = sorted(d.code for d in datasets)
    if not codes:
        raise ServiceError("没有可校验的数据集。")
    with transaction.atomic():
        record_event(object_type=DATASET, object_id=0, action=Action.VERIFY_REQUEST, actor=actor,
                     actor_org=_actor_org(actor), payload={"datasets": codes})
        run_datasets_verify.enqueue(actor.pk, codes)
    return len(codes)
