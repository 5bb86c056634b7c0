"""Re-hash what is stored and compare it with the seals (issue 16; the encoding is defined in `sealing.py`).

Each sealed batch's rows are read back from DuckDB (the row groups of other batches skipped) and hashed as the seal
defines, by the algorithm version the seal records (version 1 seals still verify by version 1); rows of no sealed
batch are counted. Each seal is also recomputed from its recorded fields and its link to
the previous seal checked.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field

from .choices import Storage
from .models import BatchSeal, Dataset
from .sealing import BATCH_COLUMN, batch_hashes, extra_values, seal_of
from .storage import duckdb_connect


@dataclass(frozen=True)
class Finding:
    """One thing found that the seals do not vouch for, in words for the page and the command."""

    dataset: str
    batch_id: int | None
    kind: str  # rows_changed | rows_removed | rows_added | extra_values | unsealed_rows | chain | superseded_rows
    message: str


@dataclass
class DatasetResult:
    dataset: Dataset
    batches: int = 0
    rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    seal_outcomes: dict[int, str] = field(default_factory=dict)  # seal id -> problem ('' = verified)
    versions: dict[int, int] = field(default_factory=dict)  # seal algorithm version -> batches sealed by it

    @property
    def versions_text(self) -> str:
        """The algorithm versions of the data set's seals, in words: 第 2 版 3 个、第 1 版 1 个."""
        return "、".join(f"第 {v} 版 {n} 个" for v, n in sorted(self.versions.items(), reverse=True))

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class VerifyReport:
    results: list[DatasetResult]

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def batch_count(self) -> int:
        return sum(r.batches for r in self.results)

    @property
    def row_count(self) -> int:
        return sum(r.rows for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.findings


def _table_columns(con, table: str) -> list[str] | None:
    found = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? AND "
                        "table_schema = 'main' ORDER BY ordinal_position", [table]).fetchall()
    return [r[0] for r in found] or None


def _chain_findings(dataset: Dataset, seals: list[BatchSeal]) -> dict[int, str]:
    """Problems with the recorded seals themselves: a seal that is not the hash of its fields, a broken link."""
    problems: dict[int, str] = {}
    previous = ""
    for index, seal in enumerate(seals, start=1):
        recomputed = seal_of(dataset=dataset.code, batch=seal.batch_id, previous=seal.previous_seal,
                             columns=[tuple(c) for c in seal.columns], rows=seal.row_count,
                             rows_sha256=seal.rows_sha256, file_sha256=seal.file_sha256,
                             importer=seal.importer_name, sealed_at=seal.sealed_at, version=seal.version)
        if seal.sequence != index:
            problems[seal.pk] = (f"封存序号不连续：应为第 {index} 号，记录为第 {seal.sequence} 号"
                                 "（封存记录被删除或插入）")
        elif seal.previous_seal != previous:
            problems[seal.pk] = "封存链断开：记录的上一封存值与上一批次的封存值不一致"
        elif recomputed != seal.seal:
            problems[seal.pk] = "封存记录被改动：按记录内容重新计算的封存值与原封存值不一致"
        previous = seal.seal
    return problems


def verify_dataset(con, dataset: Dataset) -> DatasetResult:
    result = DatasetResult(dataset=dataset)
    seals = list(BatchSeal.objects.filter(dataset=dataset).order_by("sequence"))
    result.batches = len(seals)
    for seal in seals:
        result.versions[seal.version] = result.versions.get(seal.version, 0) + 1
    for seal_id, problem in _chain_findings(dataset, seals).items():
        seal = next(s for s in seals if s.pk == seal_id)
        result.findings.append(Finding(dataset.code, seal.batch_id, "chain", f"批次 #{seal.batch_id}：{problem}"))
        result.seal_outcomes[seal_id] = problem
    if dataset.storage != Storage.TABLE:
        return result
    stored_columns = _table_columns(con, dataset.table)
    if stored_columns is None:
        if any(s.superseded_by_id is None and s.row_count for s in seals):
            result.findings.append(Finding(dataset.code, None, "rows_removed", "数据表已不存在：封存的数据全部被删除"))
            for s in seals:
                result.seal_outcomes.setdefault(s.pk, "数据表已不存在")
        return result
    if BATCH_COLUMN not in stored_columns:
        stored_columns.append(BATCH_COLUMN)  # never imported since sealing began: every row is unsealed
    by_columns: dict[tuple, list[BatchSeal]] = {}  # (columns, algorithm version) -> the seals hashed so
    for seal in seals:
        by_columns.setdefault((tuple(tuple(c) for c in seal.columns), seal.version), []).append(seal)
    sealed_ids = {s.batch_id for s in seals}
    found: dict[int | None, tuple[int, str]] = {}
    if BATCH_COLUMN in (_table_columns(con, dataset.table) or []):
        for (columns, version), group in by_columns.items():
            missing = [name for name, _type in columns if name not in stored_columns]
            if missing:
                for seal in group:
                    problem = f"封存时的字段（{'、'.join(missing)}）已不存在"
                    result.findings.append(Finding(dataset.code, seal.batch_id, "rows_changed",
                                                   f"批次 #{seal.batch_id}：{problem}"))
                    result.seal_outcomes.setdefault(seal.pk, problem)
                continue
            hashes = batch_hashes(con, dataset.table, list(columns), None if len(by_columns) == 1 else
                                  [s.batch_id for s in group], version)
            found.update({b: v for b, v in hashes.items() if b in {s.batch_id for s in group}})
            if len(by_columns) == 1:
                found.update({b: v for b, v in hashes.items() if b not in sealed_ids})
            extra = [c for c in stored_columns if c != BATCH_COLUMN and c not in {n for n, _t in columns}]
            for batch_id, count in extra_values(con, dataset.table, extra, [s.batch_id for s in group]).items():
                seal = next(s for s in group if s.batch_id == batch_id)
                problem = f"{count} 行在封存后新增字段中被写入了值"
                result.findings.append(Finding(dataset.code, batch_id, "extra_values", f"批次 #{batch_id}：{problem}"))
                result.seal_outcomes.setdefault(seal.pk, problem)
        if len(by_columns) != 1:
            ids = ", ".join(str(i) for i in sorted(sealed_ids)) or "NULL"
            for batch_id, count in con.execute(
                    f'SELECT "{BATCH_COLUMN}", count(*) FROM "{dataset.table}" WHERE "{BATCH_COLUMN}" IS NULL OR '
                    f'"{BATCH_COLUMN}" NOT IN ({ids}) GROUP BY ALL').fetchall():
                found[batch_id] = (count, "")
    else:
        count = con.execute(f'SELECT count(*) FROM "{dataset.table}"').fetchone()[0]
        if count:
            found[None] = (count, "")
    for seal in seals:
        count, digest = found.get(seal.batch_id, (0, ""))
        result.rows += count
        if seal.superseded_by_id is not None:
            if count:
                problem = f"该批次已被替换导入取代，却仍有 {count} 行数据（封存后被插入）"
                result.findings.append(Finding(dataset.code, seal.batch_id, "superseded_rows",
                                               f"批次 #{seal.batch_id}：{problem}"))
                result.seal_outcomes.setdefault(seal.pk, problem)
            else:
                result.seal_outcomes.setdefault(seal.pk, "")
            continue
        problem, kind = "", ""
        if count < seal.row_count:
            problem = f"封存 {seal.row_count} 行，现存 {count} 行：有 {seal.row_count - count} 行在封存后被删除"
            kind = "rows_removed"
        elif count > seal.row_count:
            problem = f"封存 {seal.row_count} 行，现存 {count} 行：有 {count - seal.row_count} 行在封存后被插入"
            kind = "rows_added"
        elif digest != seal.rows_sha256:
            problem = "行数未变，但数据内容在封存后被修改" + ("（按第 1 版封存算法校验）" if seal.version == 1 else "")
            kind = "rows_changed"
        if problem:
            result.findings.append(Finding(dataset.code, seal.batch_id, kind, f"批次 #{seal.batch_id}：{problem}"))
        result.seal_outcomes.setdefault(seal.pk, problem)
    for batch_id, (count, _digest) in found.items():
        if batch_id in sealed_ids:
            continue
        result.rows += count
        where = "不属于任何导入批次" if batch_id is None else f"标记为不存在的批次 #{batch_id}"
        result.findings.append(Finding(dataset.code, None, "unsealed_rows",
                                       f"有 {count} 行{where}，未经封存（封存后被插入或被改动了批次标记）"))
    return result


def verify_datasets(datasets: Iterable[Dataset] | None = None) -> VerifyReport:
    """Verify the given data sets (every data set when None), read-only."""
    chosen = list(datasets) if datasets is not None else list(Dataset.objects.order_by("code"))
    results = []
    with duckdb_connect(read_only=True) as con:
        for dataset in chosen:
            results.append(verify_dataset(con, dataset))
    return VerifyReport(results=results)


def verify_seals(seals: Iterable[BatchSeal]) -> dict[int, str]:
    """{seal id: problem ('' = its batch's stored rows still match)} for a few seals (a hit's evidence), re-hashing
    only their batches. A seal replaced by a later 替换全部数据 import no longer has rows to vouch for."""
    by_dataset: dict[int, list[BatchSeal]] = {}
    for seal in seals:
        by_dataset.setdefault(seal.dataset_id, []).append(seal)
    outcome: dict[int, str] = {}
    if not by_dataset:
        return outcome
    with duckdb_connect(read_only=True) as con:
        for group in by_dataset.values():
            dataset = group[0].dataset
            stored = _table_columns(con, dataset.table) or []
            for seal in group:
                if seal.superseded_by_id is not None:
                    outcome[seal.pk] = f"批次 #{seal.batch_id} 的数据已被后来的替换导入取代，库中不再保存"
                    continue
                columns = [tuple(c) for c in seal.columns]
                if BATCH_COLUMN not in stored or any(n not in stored for n, _t in columns):
                    outcome[seal.pk] = f"批次 #{seal.batch_id} 的数据表结构已改变，无法校验"
                    continue
                count, digest = batch_hashes(con, dataset.table, columns, [seal.batch_id], seal.version).get(
                    seal.batch_id, (0, ""))
                if (count, digest) != (seal.row_count, seal.rows_sha256):
                    outcome[seal.pk] = (f"批次 #{seal.batch_id}（{dataset.name}）未通过校验：封存 {seal.row_count} 行，"
                                        f"现存 {count} 行" + ("，数据内容被修改" if count == seal.row_count else ""))
                else:
                    outcome[seal.pk] = ""
    return outcome
