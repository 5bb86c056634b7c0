"""Build bench/RESULTS.md from the detail files, so its summary cannot drift from them (issue 10).

Every ``bench/RESULTS_<topic>.md`` holds its summary between a line ``<!-- summary -->`` and a line
``<!-- /summary -->``: a markdown table with the columns ``| 基准 | 结果 | 基线 | 比值 | 目标 | 提交 |``, one row per
measured figure, 提交 naming the short commit(s) the figure was measured at. RESULTS.md is the machine section, one
index table of every summary row (with a link to its detail file) and the list of detail files.

Usage: .venv/bin/python bench/make_results.py            # write bench/RESULTS.md
       .venv/bin/python bench/make_results.py --check    # exit 1 if RESULTS.md is not what the files give
Fails (exit 2, the reason on stderr) when a detail file has no summary or a malformed one, or when a named commit is
not an ancestor of HEAD (``git merge-base --is-ancestor``): every figure must name a commit that exists on this
branch's history.
"""
import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "RESULTS.md"
COLUMNS = ("基准", "结果", "基线", "比值", "目标", "提交")
OPEN, CLOSE = "<!-- summary -->", "<!-- /summary -->"
COMMIT = re.compile(r"\b[0-9a-f]{7,40}\b")

MACHINE = """\
## 机器

- 2 CPU（`nproc` = 2），23 GiB 内存，无交换分区，本地磁盘。
- PostgreSQL 15.20（Debian 15.20-0+deb12u1），同机，经 TCP 连接 127.0.0.1，**默认配置**：`shared_buffers` 128MB，
  `work_mem` 4MB，`jit` on，`max_parallel_workers_per_gather` 2，排序规则 C.UTF-8。
- Python 3.11.7，Django 5.2.19，psycopg 3.3.9，DuckDB 1.5.6。
- **这台机器由多名工程师共用**：测量期间其他人的测试套件、浏览器测试、Spark 和开发服务器同时运行（1 分钟平均负载
  从 0.4 到 19 不等，各详情文件写明各自测量时的负载）。绝对时间偏慢且波动大；应看同一次运行中与基线的比值。
"""


class ResultsError(Exception):
    """A detail file or a named commit that the summary cannot be built from."""


@dataclass(frozen=True)
class Detail:
    path: Path
    title: str
    rows: tuple[tuple[str, ...], ...]


def _cells(line: str) -> tuple[str, ...]:
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        raise ValueError(line)
    return tuple(cell.strip() for cell in line[1:-1].split("|"))


def read_detail(path: Path) -> Detail:
    """A detail file's title (its first ``# `` line) and summary rows; ResultsError naming the file if malformed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), path.stem)
    stripped = [line.strip() for line in lines]
    if stripped.count(OPEN) != 1 or stripped.count(CLOSE) != 1:
        raise ResultsError(f"{path.name}: needs exactly one line {OPEN} and one line {CLOSE}")
    start, end = stripped.index(OPEN), stripped.index(CLOSE)
    table = [line for line in stripped[start + 1:end] if line]
    if start > end or len(table) < 3:
        raise ResultsError(f"{path.name}: the summary must be a table with a header, a rule and at least one row")
    try:
        header, rule, *body = (_cells(line) for line in table)
    except ValueError as exc:
        raise ResultsError(f"{path.name}: not a table line in the summary: {exc}") from None
    if header != COLUMNS:
        raise ResultsError(f"{path.name}: the summary's columns must be | {' | '.join(COLUMNS)} |, not {header}")
    if len(rule) != len(COLUMNS) or not all(set(cell) <= set("-: ") and "-" in cell for cell in rule):
        raise ResultsError(f"{path.name}: the summary's second line must be the table's rule")
    for row in body:
        if len(row) != len(COLUMNS):
            raise ResultsError(f"{path.name}: a summary row has {len(row)} cells, not {len(COLUMNS)}: {row}")
        if not COMMIT.search(row[-1]):
            raise ResultsError(f"{path.name}: the row “{row[0]}” names no commit in 提交")
    return Detail(path, title, tuple(body))


def check_commits(details: list[Detail], repo: Path) -> None:
    """Every commit named in a 提交 cell is HEAD or one of its ancestors."""
    for detail in details:
        for row in detail.rows:
            for commit in COMMIT.findall(row[-1]):
                done = subprocess.run(["git", "-C", str(repo), "merge-base", "--is-ancestor", commit, "HEAD"],
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    raise ResultsError(f"{detail.path.name}: commit {commit} (row “{row[0]}”) is not an ancestor of "
                                       f"HEAD{': ' + done.stderr.strip() if done.stderr.strip() else ''}")


def detail_files(bench_dir: Path = BENCH_DIR) -> list[Path]:
    return sorted(p for p in bench_dir.glob("RESULTS_*.md"))


def build(bench_dir: Path = BENCH_DIR, *, repo: Path | None = BENCH_DIR) -> str:
    """The text of RESULTS.md from the detail files in ``bench_dir``; commits are checked in ``repo`` (None: not)."""
    details = [read_detail(path) for path in detail_files(bench_dir)]
    if repo is not None:
        check_commits(details, repo)
    out = [
        "# 基准测试结果",
        "",
        "本文件由 `bench/make_results.py` 从 `bench/RESULTS_*.md` 的摘要生成，请勿手工修改：改详情文件，再运行",
        "`.venv/bin/python bench/make_results.py`（测试 `qingshan/core/tests/test_bench_results.py` 核对两者一致）。",
        "每个数字都写明测量时的提交；命令、负载、方法和注意事项见各详情文件。",
        "",
        MACHINE,
        "## 汇总",
        "",
        f"| {' | '.join(COLUMNS)} | 详情 |",
        f"|{'---|' * (len(COLUMNS) + 1)}",
    ]
    for detail in details:
        for row in detail.rows:
            out.append(f"| {' | '.join(row)} | [{detail.path.stem}]({detail.path.name}) |")
    out += ["", "## 详情文件", ""]
    out += [f"- [{detail.path.name}]({detail.path.name})：{detail.title}" for detail in details]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if RESULTS.md differs")
    args = parser.parse_args(argv)
    try:
        text = build()
    except ResultsError as exc:
        print(f"make_results: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        if current != text:
            print("make_results: bench/RESULTS.md is not what the detail files give; run bench/make_results.py",
                  file=sys.stderr)
            return 1
        return 0
    RESULTS.write_text(text, encoding="utf-8")
    print(f"wrote {RESULTS} from {len(detail_files())} detail files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
