"""Cost of sealing import batches (issue 16), each figure beside its baseline measured in the same run.

Usage: .venv/bin/python bench/bench_seal.py [--import-rows 5000000] [--verify-rows 10000000] [--runs 3]
                                            [--dir /tmp/qs-bench-seal] [--only import|verify]

1. Sealing overhead: the same water-readings CSV (generated once with DuckDB COPY) imported with
   `qingshan.datasets.importing.import_file` into a fresh DuckDB file, without a batch id (no seal: the import as it
   was) and with one (rows marked with `qs_batch` and the rows hash computed from the stored rows before the
   commit), alternately, `--runs` times each; wall time, and beside it the CPU time of the process (all threads),
   which the other engineers' load disturbs less. The seal record and its audit event are two Django rows, not
   timed.
2. Verification: a table of `--verify-rows` GPS-like rows in 10 sealed batches (built with SQL, its seals computed
   and recorded in a throw-away SQLite database); `verify_datasets()` (what `manage.py verify_datasets` runs: the
   seals read from Django, their chain recomputed, each batch hashed, the outcome compared) against a bare loop
   computing the same per-batch hashes straight from DuckDB, alternately, `--runs` times each; and, for scale, the
   same rows only read as Arrow (no hash).
Prints median and range of each, and the ratio of the medians.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_import import WATER, WATER_SQL, generate  # noqa: E402

GPS_COLUMNS = [("plate", "string"), ("ts", "timestamp"), ("lng", "double"), ("lat", "double"),
               ("speed", "double"), ("manifest_no", "string")]
GPS_TABLE_SQL = """
CREATE TABLE ds_bench_seal_gps AS
SELECT '皖H' || lpad((i % 2000)::VARCHAR, 5, '0') AS plate,
       TIMESTAMP '2026-01-01 00:00:00' + to_seconds((30 * (i // 2000))::BIGINT) AS ts,
       round(117.0 + ((i * 7919) % 60000) / 100000.0, 6) AS lng,
       round(30.0 + ((i * 104729) % 40000) / 100000.0, 6) AS lat,
       round(((i * 31) % 9000) / 100.0, 2) AS speed,
       CASE WHEN i % 7 = 0 THEN NULL ELSE 'LD' || (i // 50)::VARCHAR END AS manifest_no,
       (i * 10 // {n} + 1)::BIGINT AS qs_batch
FROM range({n}) r(i)
"""


def summary(times: list[float]) -> str:
    return f"中位数 {statistics.median(times):.2f}s（{min(times):.2f}–{max(times):.2f}，{len(times)} 次）"


def import_once(path: Path, scratch: Path, sealed: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all its threads) of one import."""
    import duckdb

    from qingshan.datasets.catalog import table_name
    from qingshan.datasets.importing import import_file
    from qingshan.datasets.schema import parse_spec

    parsed = parse_spec(WATER)
    db = scratch / "import.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    t0, c0 = time.perf_counter(), time.process_time()
    outcome = import_file(con, path=path, original_name=path.name, table=table_name(parsed["code"]),
                          columns=parsed["columns"], key=parsed["key"], mode="append",
                          batch_id=1 if sealed else None)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    assert bool(outcome.rows_sha256) == sealed
    return elapsed, cpu


def bench_import(path: Path, scratch: Path, runs: int) -> tuple[list[float], list[float], list[float], list[float]]:
    """Wall and CPU seconds of the plain and the sealed imports, alternating."""
    plain, sealed, plain_cpu, sealed_cpu = [], [], [], []
    for run in range(runs):
        # Alternate the order so that neither side always runs second (warm cache, other engineers' load).
        for which in ((False, True) if run % 2 == 0 else (True, False)):
            elapsed, cpu = import_once(path, scratch, which)
            (sealed if which else plain).append(elapsed)
            (sealed_cpu if which else plain_cpu).append(cpu)
            print(f"  导入 {'封存' if which else '不封存'} 第 {run + 1} 次：{elapsed:.2f}s（CPU {cpu:.2f}s）",
                  flush=True)
    return plain, sealed, plain_cpu, sealed_cpu


def build_verify_store(n: int) -> None:
    """The GPS table of n rows in 10 batches, its data set and its 10 seals (chained) in Django."""
    from django.utils import timezone

    from qingshan.datasets.models import BatchSeal, Dataset, ImportBatch
    from qingshan.datasets.sealing import batch_hashes, seal_of
    from qingshan.datasets.storage import duckdb_connect

    with duckdb_connect(read_only=False) as con:
        con.execute("DROP TABLE IF EXISTS ds_bench_seal_gps")
        con.execute(GPS_TABLE_SQL.format(n=n))
        hashes = batch_hashes(con, "ds_bench_seal_gps", GPS_COLUMNS)
    dataset = Dataset.objects.create(code="bench_seal_gps", name="车辆轨迹（封存基准）",
                                     columns=[{"name": c, "type": t, "label": c, "required": False}
                                              for c, t in GPS_COLUMNS], row_count=n)
    previous = ""
    for sequence, batch_id in enumerate(sorted(hashes), start=1):
        count, digest = hashes[batch_id]
        batch = ImportBatch.objects.create(id=batch_id, dataset=dataset, original_name=f"gps_{batch_id}.csv",
                                           sha256="0" * 64, status="done", row_count=count)
        now = timezone.now()
        fields = {"dataset": dataset.code, "batch": batch.pk, "previous": previous, "columns": GPS_COLUMNS,
                  "rows": count, "rows_sha256": digest, "file_sha256": batch.sha256, "importer": "",
                  "sealed_at": now}
        seal = BatchSeal.objects.create(batch=batch, dataset=dataset, sequence=sequence, previous_seal=previous,
                                        columns=[list(c) for c in GPS_COLUMNS], row_count=count, rows_sha256=digest,
                                        file_sha256=batch.sha256, sealed_at=now, seal=seal_of(**fields))
        previous = seal.seal


def bare_scan() -> float:
    """The same per-batch hashes, computed by a bare loop over the batches (no Django, no seals, no chain)."""
    from qingshan.datasets.sealing import batch_hash
    from qingshan.datasets.storage import duckdb_connect

    with duckdb_connect(read_only=True) as con:
        t0 = time.perf_counter()
        ids = [b for (b,) in con.execute("SELECT DISTINCT qs_batch FROM ds_bench_seal_gps ORDER BY 1").fetchall()]
        for batch_id in ids:
            batch_hash(con, "ds_bench_seal_gps", GPS_COLUMNS, batch_id)
        return time.perf_counter() - t0


def arrow_scan() -> float:
    """For scale: the same rows read as Arrow record batches, not hashed."""
    from qingshan.datasets.storage import duckdb_connect

    with duckdb_connect(read_only=True) as con:
        t0 = time.perf_counter()
        for _chunk in con.execute("SELECT * EXCLUDE (qs_batch) FROM ds_bench_seal_gps").to_arrow_reader(1 << 20):
            pass
        return time.perf_counter() - t0


def verify_once() -> float:
    from qingshan.datasets.models import Dataset
    from qingshan.datasets.verification import verify_datasets

    t0 = time.perf_counter()
    report = verify_datasets(Dataset.objects.filter(code="bench_seal_gps"))
    elapsed = time.perf_counter() - t0
    assert report.ok and report.row_count > 0, [f.message for f in report.findings]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--import-rows", type=int, default=5_000_000)
    parser.add_argument("--verify-rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "qs-bench-seal"))
    parser.add_argument("--only", choices=("import", "verify"), help="run one of the two parts")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["QINGSHAN_DATASETS_DIR"] = str(folder / "datasets")
    database = folder / "bench.sqlite3"
    database.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    (folder / "datasets" / "datasets.duckdb").unlink(missing_ok=True)

    import django
    import duckdb
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    print(f"DuckDB {duckdb.__version__}, {os.cpu_count()} CPU, files in {folder}", flush=True)

    if args.only != "verify":
        water = folder / f"water_{args.import_rows}.csv"
        generate(water, WATER_SQL, args.import_rows)
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            plain, sealed, plain_cpu, sealed_cpu = bench_import(water, Path(scratch), args.runs)
        print(f"\n导入 {args.import_rows:,} 行（水质 CSV）：不封存 {summary(plain)}；封存 {summary(sealed)}；"
              f"封存/不封存 = {statistics.median(sealed) / statistics.median(plain):.3f}（目标 ≤ 1.10）", flush=True)
        print(f"  其中本进程 CPU 时间：不封存 {summary(plain_cpu)}；封存 {summary(sealed_cpu)}；"
              f"比值 = {statistics.median(sealed_cpu) / statistics.median(plain_cpu):.3f}", flush=True)
    if args.only == "import":
        return

    t0 = time.perf_counter()
    build_verify_store(args.verify_rows)
    print(f"  建立 {args.verify_rows:,} 行、10 个封存批次：{time.perf_counter() - t0:.1f}s", flush=True)
    bare, ours = [], []
    for run in range(args.runs):
        for which in (("bare", "ours") if run % 2 == 0 else ("ours", "bare")):
            elapsed = bare_scan() if which == "bare" else verify_once()
            (bare if which == "bare" else ours).append(elapsed)
            print(f"  校验 {'裸扫描' if which == 'bare' else 'verify_datasets'} 第 {run + 1} 次：{elapsed:.2f}s",
                  flush=True)
    ratio = statistics.median(ours) / statistics.median(bare)
    read = [arrow_scan() for _ in range(args.runs)]

    print()
    print(f"校验 {args.verify_rows:,} 行（10 个批次）：裸 DuckDB 扫描 {summary(bare)}；"
          f"verify_datasets {summary(ours)}；比值 = {ratio:.3f}（目标 ≤ 1.5）")
    print(f"同一表只读为 Arrow、不计算哈希：{summary(read)}；verify_datasets/只读 = "
          f"{statistics.median(ours) / statistics.median(read):.3f}")


if __name__ == "__main__":
    main()
