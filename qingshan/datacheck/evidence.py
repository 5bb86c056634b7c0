"""The evidence package of a confirmed hit (issue 16): a zip an outside party verifies with `tools/verify_evidence.py`.

Contents: `manifest.json` (the hit, the model version, every kept seal with the fields its seal is computed from, and
the SHA-256 of every other file), `batches/<data set>-<batch>.csv` (each kept batch's stored rows in the canonical
text form of `qingshan/datasets/sealing.py`: NULL as ``\\N``, a leading backslash doubled), `model/spec.txt` and
`model/compiled.sql` (the version that found the hit and its SQL on DuckDB), `verify_evidence.py` and `说明.txt`.
"""
import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qingshan.access.datacheck import acting_org
from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.orgs.models import User

from .choices import Action, HitState
from .masking import mask_hits
from .models import Hit

FORMAT = "qingshan-evidence/1"
HIT_TYPE = "datacheck.hit"
EXPORT_ACTION = Action.EVIDENCE_EXPORT
# A package is built in the request (no job): its batches' rows are bounded so that it stays quick.
MAX_PACKAGE_ROWS = 500_000
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


def hit_evidence_package(*, actor: User, hit: Hit) -> Path:
    """Build the evidence package of a confirmed hit into a temporary file (the caller streams and deletes it);
    only someone who may triage the hit's model, and audited."""
    from qingshan.datasets.selectors import batch_rows_canonical

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
    total = sum(s.row_count for s in seals)
    if total > MAX_PACKAGE_ROWS:
        raise ServiceError(f"证据所在批次共 {total} 行，超过证据包上限 {MAX_PACKAGE_ROWS} 行。")
    number, spec_text, sql = _compiled_sql(hit)
    scratch = Path(tempfile.mkdtemp(prefix="evidence-", dir=settings.DATASETS_DIR))
    files: dict[str, Path] = {}
    manifest_seals = []
    for seal in seals:
        name = f"batches/{seal.dataset.code}-{seal.batch_id}.csv"
        path = scratch / name.replace("/", "_")
        batch_rows_canonical(seal=seal, out=path)
        files[name] = path
        manifest_seals.append({
            "dataset": seal.dataset.code, "dataset_name": seal.dataset.name, "batch": seal.batch_id,
            "sequence": seal.sequence, "previous": seal.previous_seal, "columns": seal.columns,
            "rows": seal.row_count, "rows_sha256": seal.rows_sha256, "file_sha256": seal.file_sha256,
            "source_file": seal.batch.original_name, "importer": seal.importer_name,
            "sealed_at": seal.sealed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"), "seal": seal.seal,
            "rows_file": name})
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
        "model": {"code": hit.model.code, "name": hit.model.name, "version": number, "spec_file": "model/spec.txt",
                  "sql_file": "model/compiled.sql"},
        "seals": manifest_seals,
        "files": {name: _sha256_file(path) for name, path in sorted(files.items())},
    }
    out = scratch / "package.zip"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, path in sorted(files.items()):
            package.write(path, name)
    with transaction.atomic():
        record_event(object_type=HIT_TYPE, object_id=hit.pk, action=EXPORT_ACTION, actor=actor, actor_org=org,
                     payload={"seals": [s.seal for s in seals], "rows": total,
                              "package_sha256": _sha256_file(out)}, internal=True)
    return out
