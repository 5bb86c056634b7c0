"""The evidence package of a confirmed hit (issue 16): a zip an outside party verifies with `tools/verify_evidence.py`.

Written by the background worker (`export_submit` records the export and queues the job in one transaction;
`export_run` writes the zip under JOB_FILES_DIR with 0600 permissions, recording rows written as it goes, and
audits the finished file with its SHA-256); only those who may triage the hit's model download it.

Contents: `manifest.json` (the hit, the model version, every kept seal with the fields its seal is computed from, and
the SHA-256 of every other file), `batches/<data set>-<batch>.csv` (each kept batch's stored rows, in stored order,
in the canonical text form of `qingshan/datasets/sealing.py`: NULL as ``\\N``, a leading backslash doubled),
`model/spec.txt` and `model/compiled.sql` (the version that found the hit and its SQL on DuckDB),
`verify_evidence.py` and `说明.txt`.
"""
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qingshan.access.datacheck import acting_org
from qingshan.audit.services import record_event
from qingshan.core.choices import JobStatus
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.orgs.models import User

from .choices import Action, HitState
from .masking import mask_hits
from .models import EvidenceExport, Hit

FORMAT = "qingshan-evidence/1"
HIT_TYPE = "datacheck.hit"
EXPORT_ACTION = Action.EVIDENCE_EXPORT
SYSTEM_ERROR = "生成证据包时发生系统错误（{name}），请稍后重试或联系管理员。"
VERIFIER = Path(settings.BASE_DIR) / "tools" / "verify_evidence.py"

README = """证据包说明（青山数据比对模型）

本证据包包含：
  manifest.json          命中线索、模型版本、证据所在导入批次的封存记录，以及其余每个文件的 SHA-256
  batches/*.csv          每个封存批次在数据库中现存的全部数据行（规范文本形式，空值记为 \\N）
  model/spec.txt         发现该线索的模型版本定义
  model/compiled.sql     该版本编译后的 SQL（DuckDB）
  verify_evidence.py     独立校验脚本（只用 Python 3.11+ 标准库）

校验方法：python3 verify_evidence.py 证据包.zip
脚本逐个批次重新计算数据行哈希和封存值，检查封存链和文件哈希，任一处不符即报告并以状态 1 退出。
请将脚本输出的封存值与纪委监委审计日志中记录的封存值核对（封存值在导入时写入审计日志）。
"""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _compiled_sql(hit: Hit) -> tuple[int, str, str]:
    from .services import compile_spec

    version = hit.last_run.version
    try:
        sql = compile_spec(version.spec_text, version.spec_format).sql("duckdb")
    except ServiceError as exc:
        sql = f"-- 该模型版本无法按当前数据集结构编译：{exc.message}"
    return version.number, version.spec_text, sql


def _exportable_seals(actor: User, hit: Hit):
    """(acting organisation, the hit's kept seals) when `actor` may export its package; refusals in Chinese."""
    org = acting_org(actor, hit.model)
    if org is None:
        raise PermissionRefused("只有模型所属纪委监委的监督人员可以导出证据包。")
    if hit.state != HitState.CONVERTED:
        raise ServiceError("只有已确认转为问题的线索才有证据包。")
    seals = list(hit.evidence_seals.select_related("dataset", "batch").order_by("dataset__code", "sequence"))
    if not seals:
        raise ServiceError("该线索确认时，模型读取的数据集没有封存批次，无法导出可校验的证据包。")
    gone = [s for s in seals if s.superseded_by_id is not None]
    if gone:
        raise ServiceError(f"批次 #{gone[0].batch_id} 的数据已被后来的替换导入取代，库中不再保存，无法导出证据包。")
    return org, seals


def build_package(*, actor: User, hit: Hit, seals: list, out: Path,
                  progress: Callable[[int], None] = lambda rows: None) -> int:
    """Write the evidence package of `hit` (its kept `seals`) to the zip `out`; returns the rows written.
    `progress(rows)` is told after each batch's rows are written."""
    from qingshan.datasets.selectors import batch_rows_canonical

    number, spec_text, sql = _compiled_sql(hit)
    scratch = Path(tempfile.mkdtemp(prefix="evidence-", dir=out.parent))
    try:
        files: dict[str, Path] = {}
        manifest_seals = []
        written = 0
        for seal in seals:
            name = f"batches/{seal.dataset.code}-{seal.batch_id}.csv"
            path = scratch / name.replace("/", "_")
            written += batch_rows_canonical(seal=seal, out=path)
            progress(written)
            files[name] = path
            manifest_seals.append({
                "dataset": seal.dataset.code, "dataset_name": seal.dataset.name, "batch": seal.batch_id,
                "sequence": seal.sequence, "previous": seal.previous_seal, "columns": seal.columns,
                "rows": seal.row_count, "rows_sha256": seal.rows_sha256, "file_sha256": seal.file_sha256,
                "source_file": seal.batch.original_name, "importer": seal.importer_name,
                "sealed_at": seal.sealed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                "seal": seal.seal, "version": seal.version, "rows_file": name})
        for name, text in (("model/spec.txt", spec_text), ("model/compiled.sql", sql), ("说明.txt", README)):
            path = scratch / name.replace("/", "_")
            path.write_text(text, encoding="utf-8")
            files[name] = path
        files["verify_evidence.py"] = VERIFIER
        manifest = {
            "format": FORMAT, "generated_at": timezone.now().isoformat(), "generated_by": actor.get_username(),
            "hit": {"id": hit.pk, "subject_key": mask_hits([hit])[0].shown_key, "model_subject": hit.subject_label,
                    "confirmed_at": hit.decided_at.isoformat() if hit.decided_at else "",
                    "problem": hit.problem.number if hit.problem_id else ""},
            "model": {"code": hit.model.code, "name": hit.model.name, "version": number,
                      "spec_file": "model/spec.txt", "sql_file": "model/compiled.sql"},
            "seals": manifest_seals,
            "files": {name: _sha256_file(path) for name, path in sorted(files.items())},
        }
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as package:
            package.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            for name, path in sorted(files.items()):
                package.write(path, name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return written


def _folder() -> Path:
    folder = settings.JOB_FILES_DIR / "evidence"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def export_submit(*, actor: User, hit: Hit) -> EvidenceExport:
    """Queue the evidence package of a confirmed hit for `actor` (who may triage its model): refused at once in
    Chinese, nothing recorded, when it has none; else the export, its audit event and the job in one transaction."""
    with transaction.atomic():
        hit = Hit.objects.select_for_update(of=("self",)).select_related("model__owner_org").get(pk=hit.pk)
        org, seals = _exportable_seals(actor, hit)
        total = sum(s.row_count for s in seals)
        job = EvidenceExport.objects.create(hit=hit, created_by=actor, rows_total=total)
        record_event(object_type=HIT_TYPE, object_id=hit.pk, action=EXPORT_ACTION, actor=actor, actor_org=org,
                     payload={"seals": [s.seal for s in seals], "rows": total, "job": job.pk}, internal=True)
        from .tasks import run_evidence_export

        run_evidence_export.enqueue(job.pk)  # the job's row commits with the export's record, or neither does
    return job


def export_detail(*, user: User, pk: int) -> EvidenceExport:
    """An evidence export, to those who may (still) triage its hit's model."""
    job = EvidenceExport.objects.select_related("hit__model__owner_org", "hit__problem").filter(pk=pk).first()
    if job is None or acting_org(user, job.hit.model) is None:
        raise NotFound("没有这个证据包导出任务，或您无权查看。")
    return job


def export_file(*, user: User, pk: int) -> EvidenceExport:
    """A finished evidence package whose file is still there, to those who may triage its hit's model."""
    job = export_detail(user=user, pk=pk)
    if job.status != JobStatus.DONE or not job.stored_path or not Path(job.stored_path).is_file():
        raise NotFound("证据包不存在或尚未生成。")
    return job


def _audit_outcome(job: EvidenceExport, action: str, payload: dict) -> None:
    record_event(object_type=HIT_TYPE, object_id=job.hit_id, action=action, actor=job.created_by,
                 actor_org=acting_org(job.created_by, job.hit.model), internal=True,
                 payload={"job": job.pk, **payload})


def _fail(job_id: int, message: str) -> None:
    with transaction.atomic():
        failed = EvidenceExport.objects.filter(pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=message[:500])
        if failed:
            job = EvidenceExport.objects.select_related("hit__model__owner_org", "created_by").get(pk=job_id)
            _audit_outcome(job, Action.EVIDENCE_EXPORT_FAILED, {"error": message[:500]})


def export_run(job_id: int) -> EvidenceExport:
    """The worker's side: claim the export (排队中 → 运行中), write the zip as its asker may see the hit, record
    the file's SHA-256 and audit it; a failed export leaves no file."""
    claimed = EvidenceExport.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now())
    job = EvidenceExport.objects.select_related("hit__model__owner_org", "created_by").get(pk=job_id)
    if not claimed:
        return job
    path = _folder() / f"{uuid.uuid4().hex}.zip"
    EvidenceExport.objects.filter(pk=job_id).update(stored_path=str(path))  # known before writing: recovery removes it
    try:
        hit = Hit.objects.select_related("model__owner_org", "problem", "last_run__version").get(pk=job.hit_id)
        _org, seals = _exportable_seals(job.created_by, hit)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        rows = build_package(actor=job.created_by, hit=hit, seals=seals, out=path,
                             progress=lambda n: EvidenceExport.objects.filter(pk=job_id).update(rows_written=n))
        os.chmod(path, 0o600)
    except ServiceError as refused:
        path.unlink(missing_ok=True)
        _fail(job_id, refused.message)
    except Exception as exc:
        path.unlink(missing_ok=True)
        _fail(job_id, SYSTEM_ERROR.format(name=type(exc).__name__))
        raise
    else:
        digest = _sha256_file(path)
        filename = f"证据包-线索{hit.pk}-{timezone.localtime():%Y%m%d%H%M%S}.zip"
        with transaction.atomic():
            EvidenceExport.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now(),
                                                            rows_written=rows, filename=filename, sha256=digest)
            _audit_outcome(job, Action.EVIDENCE_EXPORT_DONE, {"rows": rows, "package_sha256": digest,
                                                             "seals": [s.seal for s in seals]})
    job.refresh_from_db()
    return job


def export_interrupted(job_id: int) -> None:
    """The worker writing this package died: the export is 失败 and its partial file removed."""
    from qingshan.core.jobs import INTERRUPTED

    job = EvidenceExport.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    _fail(job_id, INTERRUPTED)
    if job.stored_path:
        Path(job.stored_path).unlink(missing_ok=True)
