"""Reads of data sets, scoped by `access`, and the catalogue the comparison-model engines query."""
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from qingshan.access.crypto import mask_identifier
from qingshan.access.datasets import access_batch, access_dataset, may_share_with, visible_batches, visible_datasets
from qingshan.orgs.models import Organisation, User, commission_of

from .catalog import Catalog, DatasetInfo
from .models import Dataset, DatasetShare, ImportBatch
from .storage import duckdb_connect, quote_ident, quote_literal
from .vocabulary import format_value, unit_of

if TYPE_CHECKING:
    from .models import BatchSeal

__all__ = ["batch_detail", "batch_list", "dataset_detail", "dataset_list", "dataset_preview", "dataset_schemas",
           "dataset_shares", "duckdb_connect", "seal_overview", "live_seals", "seals_verified",
           "batch_rows_canonical", "engine_catalog", "format_value", "personal_columns", "share_candidates",
           "subject_facts", "unit_of"]


def dataset_list(*, user: User) -> QuerySet[Dataset]:
    """The data sets `user` may see, by code."""
    return visible_datasets(user).select_related("owner_org").order_by("code")


def dataset_detail(*, user: User, code: str) -> Dataset:
    """One data set `user` may see (NotFound otherwise)."""
    return access_dataset(user, code)


def batch_list(*, user: User, dataset: Dataset | None = None) -> QuerySet[ImportBatch]:
    """Import batches `user` may see, newest first; those of one data set when given."""
    batches = visible_batches(user).select_related("dataset", "created_by")
    if dataset is not None:
        batches = batches.filter(dataset=dataset)
    return batches.order_by("-created_at", "-id")


def seal_overview(*, user: User) -> list[dict]:
    """For each data set `user` may see: its live seals (newest first) with their last verification."""
    from .models import BatchSeal

    datasets = list(dataset_list(user=user))
    seals: dict[int, list] = {}
    for seal in BatchSeal.objects.filter(dataset__in=datasets).select_related("batch").order_by("dataset",
                                                                                                   "-sequence"):
        seals.setdefault(seal.dataset_id, []).append(seal)
    rows = []
    for dataset in datasets:
        mine = seals.get(dataset.pk, [])
        failed = [s for s in mine if s.verified_ok is False]
        checked = [s.verified_at for s in mine if s.verified_at]
        rows.append({"dataset": dataset, "seals": mine[:10], "count": len(mine), "failed": failed,
                     "verified_at": min(checked) if checked and len(checked) == len(mine) else None,
                     "unverified": sum(1 for s in mine if s.verified_ok is None)})
    return rows


def live_seals(*, datasets: Iterable[Dataset] | QuerySet[Dataset]) -> QuerySet["BatchSeal"]:
    """The seals of the batches whose rows `datasets` hold now (not replaced since), oldest first."""
    from .models import BatchSeal

    return BatchSeal.objects.filter(dataset__in=datasets, superseded_by__isnull=True).select_related(
        "dataset", "batch").order_by("dataset__code", "sequence")


# Up to this many rows, a page re-hashes the batches it shows; beyond, it shows their last verification (a
# verification job or `manage.py verify_datasets`), so that opening a hit never scans millions of rows.
LIVE_VERIFY_ROWS = 200_000


def seals_verified(*, seals: Iterable["BatchSeal"]) -> list[dict]:
    """Whether the batches of the given seals still match: [{seal, ok, problem, live}] (a hit's evidence, shown on
    its page): re-hashed now when they hold at most LIVE_VERIFY_ROWS rows, else their last verification's outcome
    (not yet verified counts as not shown to be intact)."""
    from .verification import verify_seals

    chosen = list(seals)
    if sum(s.row_count for s in chosen) <= LIVE_VERIFY_ROWS:
        outcome = verify_seals(chosen)
        return [{"seal": s, "ok": not outcome.get(s.pk), "problem": outcome.get(s.pk, ""), "live": True}
                for s in chosen]
    shown = []
    for s in chosen:
        if s.verified_ok:
            problem = ""
        elif s.verified_ok is None:
            problem = f"批次 #{s.batch_id}（{s.dataset.name}）尚未校验，请在“封存校验”页面提交校验"
        else:
            problem = f"批次 #{s.batch_id}（{s.dataset.name}）最近一次校验未通过：{s.verify_problem}"
        shown.append({"seal": s, "ok": not problem, "problem": problem, "live": False})
    return shown


def batch_rows_canonical(*, seal: "BatchSeal", out: Path) -> int:
    """Write the stored rows of a sealed batch, in stored order, to the CSV file `out` in their canonical text form
    (sealing.py):
    a header of column names, one cell per value, NULL as \\N and a leading backslash doubled; returns the rows."""
    from .sealing import BATCH_COLUMN, text_sql

    cells = []
    for name, logical in seal.columns:
        text = text_sql(name, logical)
        cells.append(f"CASE WHEN {text} IS NULL THEN '\\N' WHEN starts_with({text}, '\\') THEN '\\' || {text} "
                     f"ELSE {text} END AS {quote_ident(name)}")
    with duckdb_connect(read_only=True) as con:
        con.execute("SET preserve_insertion_order = true")  # the stored order: the rows hash depends on it
        con.execute(f"COPY (SELECT {', '.join(cells)} FROM {quote_ident(seal.dataset.table)} "
                    f"WHERE {quote_ident(BATCH_COLUMN)} = {int(seal.batch_id)}) TO {quote_literal(str(out))} "
                    f"(FORMAT CSV, HEADER, QUOTE '\"', ESCAPE '\"')")
        found = con.execute(f"SELECT count(*) FROM {quote_ident(seal.dataset.table)} "
                            f"WHERE {quote_ident(BATCH_COLUMN)} = {int(seal.batch_id)}").fetchone()
        return int(found[0]) if found else 0


def batch_detail(*, user: User, pk: int | str) -> ImportBatch:
    """One import batch `user` may see (NotFound otherwise)."""
    return access_batch(user, pk)


def dataset_shares(*, user: User, dataset: Dataset) -> QuerySet[DatasetShare]:
    """Who a data set `user` may see is shared with, oldest share first."""
    access_dataset(user, dataset.code)
    return dataset.shares.select_related("org", "shared_by").order_by("shared_at", "id")


def share_candidates(*, dataset: Dataset) -> list[Organisation]:
    """Organisations the owner may share `dataset` with: other commissions, offices and stationed groups, outside
    the owner (its own offices and groups see it already) and not shared yet."""
    taken = set(dataset.shares.values_list("org_id", flat=True))
    orgs = Organisation.objects.select_related("parent").order_by("sort_order", "id")
    return [o for o in orgs if may_share_with(o) and o.pk not in taken and o.pk != dataset.owner_org_id
            and getattr(commission_of(o, through_stationed_group=True), "pk", None) != dataset.owner_org_id]


def personal_columns() -> set[str]:
    """Names of the columns any data set marks as a personal identifier (masked in hits, evidence and previews)."""
    return {name for d in Dataset.objects.only("columns") for name in d.personal_columns}


def dataset_preview(*, user: User, dataset: Dataset, limit: int = 50,
                    masked: bool = True) -> tuple[list[dict], list[tuple]]:
    """The schema columns and up to `limit` stored rows of a data set `user` may see (its first rows, in load
    order), for the UI; personal identifiers masked unless `masked` is False (after `reveal.dataset_reveal`)."""
    access_dataset(user, dataset.code)
    columns = dataset.columns
    names = ", ".join(quote_ident(c["name"]) for c in columns)
    with duckdb_connect(read_only=True) as con:
        found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",  # type: ignore[index]
                            [dataset.table]).fetchone()[0]
        if not found:
            return columns, []
        rows = con.execute(f"SELECT {names} FROM {quote_ident(dataset.table)} LIMIT ?", [int(limit)]).fetchall()
    personal = [i for i, c in enumerate(columns) if c.get("personal")]
    if personal and masked:
        rows = [tuple(mask_identifier(v) if i in personal else v for i, v in enumerate(row)) for row in rows]
    return columns, rows


def dataset_info(dataset: Dataset) -> DatasetInfo:
    """The engine's view of one data set."""
    return DatasetInfo(
        code=dataset.code, table=dataset.table, label=dataset.name,
        columns={c["name"]: c["type"] for c in dataset.columns},
        key=tuple(dataset.key), subject=tuple(dataset.subject),
        column_labels={c["name"]: c["label"] for c in dataset.columns},
    )


def engine_catalog() -> Catalog:
    """Every data set as DatasetInfo by code (for the model engines; not user-scoped: runs are system work)."""
    return {d.code: dataset_info(d) for d in Dataset.objects.order_by("code")}


def dataset_schemas() -> dict[str, Dataset]:
    """Every data set by code, with its schema (labels, choices, units), to present rows a model already returned."""
    return {d.code: d for d in Dataset.objects.order_by("code")}


@dataclass(frozen=True)
class SubjectFacts:
    """What a data set's register says of one subject: its name and its region (区县) as written there."""

    name: str = ""
    region: str = ""


def _role(dataset: Dataset, role: str) -> str | None:
    return next((c["name"] for c in dataset.columns if c.get("role") == role), None)


def subject_facts(*, dataset: Dataset, keys: list[str], schemas: dict[str, Dataset]) -> dict[str, SubjectFacts]:
    """The name and region of each subject key of `dataset` its register knows, read from the register that names
    its subjects: the data set itself when it has a name or region column, else the one its subject column
    `references` (readings → sections). Nothing for a multi-column subject or a key the register lacks."""
    if len(dataset.subject) != 1 or not keys:
        return {}
    register, column = dataset, dataset.subject[0]
    if not (_role(dataset, "subject_name") or _role(dataset, "region")):
        spec: dict = next((c for c in dataset.columns if c["name"] == column), {})
        referenced = schemas.get(spec.get("references") or "")
        if referenced is None or len(referenced.key) != 1:
            return {}
        register, column = referenced, referenced.key[0]
    name, region = _role(register, "subject_name"), _role(register, "region")
    if not (name or region):
        return {}
    shown = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR)" if c else "NULL" for c in (name, region))
    key = f"CAST({quote_ident(column)} AS VARCHAR)"
    with duckdb_connect(read_only=True) as con:
        found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",  # type: ignore[index]
                            [register.table]).fetchone()[0]
        rows = con.execute(f"SELECT {key}, {shown} FROM {quote_ident(register.table)} "
                           f"WHERE list_contains(?, {key})", [list(keys)]).fetchall() if found else []
    return {k: SubjectFacts(name=n or "", region=r or "") for k, n, r in rows}
