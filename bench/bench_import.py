"""Import throughput of data sets, beside a bare DuckDB `read_csv` into a table of the same file in the same run.

Usage: .venv/bin/python bench/bench_import.py [--water 5000000] [--gps 10000000] [--dir /tmp/qs-bench-import]
Generates (once; reused when present with the same size) a water-readings CSV in UTF-8 and in GBK and a GPS CSV
with DuckDB COPY (GBK by re-encoding the UTF-8 file), then for each file times
  * baseline: `CREATE TABLE t AS SELECT * FROM read_csv(file)` in a fresh DuckDB file (type auto-detection, no
    checks: the engine's limit), and
  * ours: `qingshan.datasets.importing.import_file` into a fresh DuckDB file (encoding detection by strict decode of
    the whole file, GBK re-encoded to UTF-8, staging as text, every value checked against its type and limits, the
    key checked for duplicates, typed insert, one transaction) — the work of a real import batch minus copying the
    upload and a few Django rows.
Prints rows/s and the ratio ours/baseline (time).
"""
import argparse
import codecs
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WATER = {
    "code": "bench_water", "name": "断面水质（基准）", "key": ["section_code", "sampled_at"],
    "columns": [
        {"name": "section_code", "type": "string", "label": "断面编码", "required": True},
        {"name": "section_name", "type": "string", "label": "断面名称"},
        {"name": "sampled_at", "type": "timestamp", "label": "采样时间", "required": True},
        {"name": "cod", "type": "decimal", "label": "化学需氧量", "min": 0, "max": 1000},
        {"name": "nh3n", "type": "decimal", "label": "氨氮", "min": 0},
        {"name": "ph", "type": "double", "label": "pH", "min": 0, "max": 14},
        {"name": "grade", "type": "string", "label": "水质类别", "choices": ["I", "II", "III", "IV", "V", "劣V"]},
    ],
}
WATER_SQL = """
SELECT 'S' || lpad((i % 500)::VARCHAR, 4, '0') AS section_code,
       '青山' || (i % 500)::VARCHAR || '号断面' AS section_name,
       TIMESTAMP '2024-01-01 00:00:00' + to_minutes((i // 500)::BIGINT) AS sampled_at,
       round(((i * 7919) % 40000) / 1000.0, 3) AS cod,
       round(((i * 104729) % 5000) / 1000.0, 3) AS nh3n,
       round(6 + ((i * 31) % 300) / 100.0, 2) AS ph,
       ['I', 'II', 'III', 'IV', 'V', '劣V'][1 + i % 6] AS grade
FROM range({n}) r(i)
"""
GPS = {
    "code": "bench_gps", "name": "车辆轨迹（基准）", "key": ["plate", "ts"],
    "columns": [
        {"name": "plate", "type": "string", "label": "车牌号", "required": True},
        {"name": "ts", "type": "timestamp", "label": "定位时间", "required": True},
        {"name": "lng", "type": "double", "label": "经度", "min": 73, "max": 136},
        {"name": "lat", "type": "double", "label": "纬度", "min": 3, "max": 54},
        {"name": "speed", "type": "double", "label": "速度", "min": 0},
    ],
}
GPS_SQL = """
SELECT '皖H' || lpad((i % 2000)::VARCHAR, 5, '0') AS plate,
       TIMESTAMP '2026-01-01 00:00:00' + to_seconds((30 * (i // 2000))::BIGINT) AS ts,
       round(117.0 + ((i * 7919) % 60000) / 100000.0, 6) AS lng,
       round(30.0 + ((i * 104729) % 40000) / 100000.0, 6) AS lat,
       round(((i * 31) % 9000) / 100.0, 2) AS speed
FROM range({n}) r(i)
"""


def generate(path: Path, sql: str, n: int) -> None:
    import duckdb

    stamp = path.with_suffix(".rows")
    if path.exists() and stamp.exists() and stamp.read_text() == str(n):
        return
    t0 = time.perf_counter()
    duckdb.sql(sql.format(n=n)).write_csv(str(path), header=True)
    stamp.write_text(str(n))
    print(f"  生成 {path.name}: {n:,} 行, {path.stat().st_size / 1e6:.0f} MB, {time.perf_counter() - t0:.1f}s")


def to_gbk(src: Path, dst: Path) -> None:
    stamp = dst.with_suffix(".rows")
    if dst.exists() and stamp.exists() and stamp.read_text() == src.with_suffix(".rows").read_text():
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(src, "rb") as a, open(dst, "wb") as b:
        while chunk := a.read(8 << 20):
            b.write(decoder.decode(chunk).encode("gbk"))
    stamp.write_text(src.with_suffix(".rows").read_text())


def baseline(path: Path, scratch: Path) -> tuple[float, int]:
    import duckdb

    db = scratch / "baseline.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv($p)", {"p": str(path)})
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed, rows


def ours(path: Path, spec: dict, scratch: Path) -> tuple[float, int, str]:
    import duckdb

    from qingshan.datasets.catalog import table_name
    from qingshan.datasets.importing import import_file
    from qingshan.datasets.schema import parse_spec

    parsed = parse_spec(spec)
    db = scratch / "ours.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    t0 = time.perf_counter()
    outcome = import_file(con, path=path, original_name=path.name, table=table_name(parsed["code"]),
                          columns=parsed["columns"], key=parsed["key"], mode="append")
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed, outcome.rows, outcome.encoding


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--water", type=int, default=5_000_000)
    parser.add_argument("--gps", type=int, default=10_000_000)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "qs-bench-import"))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["QINGSHAN_DATASETS_DIR"] = str(folder / "datasets")

    import django
    import duckdb

    django.setup()
    print(f"DuckDB {duckdb.__version__}, {os.cpu_count()} CPU, files in {folder}")
    water = folder / f"water_{args.water}.csv"
    water_gbk = folder / f"water_{args.water}_gbk.csv"
    gps = folder / f"gps_{args.gps}.csv"
    generate(water, WATER_SQL, args.water)
    to_gbk(water, water_gbk)
    generate(gps, GPS_SQL, args.gps)
    # DuckDB's reader takes UTF-8 (GBK needs an extension downloaded at run time, which the intranet lacks), so the
    # GBK file's baseline is the bare read of its UTF-8 twin: the cost of re-encoding shows in the ratio.
    cases = [("水质 UTF-8", water, water, WATER), ("水质 GBK", water_gbk, water, WATER), ("GPS UTF-8", gps, gps, GPS)]
    print(f"{'文件':<12}{'行数':>12}{'MB':>7}{'基准 s':>9}{'基准 行/s':>13}{'导入 s':>9}{'导入 行/s':>13}{'倍数':>7}")
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        for label, path, base_path, spec in cases:
            base_s, base_rows = baseline(base_path, Path(scratch))
            our_s, our_rows, encoding = ours(path, spec, Path(scratch))
            assert base_rows == our_rows, (base_rows, our_rows)
            print(f"{label:<12}{our_rows:>12,}{path.stat().st_size / 1e6:>7.0f}{base_s:>9.2f}"
                  f"{base_rows / base_s:>13,.0f}{our_s:>9.2f}{our_rows / our_s:>13,.0f}{our_s / base_s:>7.2f}"
                  f"  （检测编码：{encoding}）")


if __name__ == "__main__":
    main()
