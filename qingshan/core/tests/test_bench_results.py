"""bench/RESULTS.md is generated from the detail files (issue 10): the summary cannot drift from them, and every
figure names a commit of this history."""
import importlib.util
import subprocess
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"
_spec = importlib.util.spec_from_file_location("make_results", BENCH / "make_results.py")
make_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_results)

HEADER = "| 基准 | 结果 | 基线 | 比值 | 目标 | 提交 |\n|---|---|---|---|---|---|\n"


def head() -> str:
    return subprocess.run(["git", "-C", str(BENCH), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


def detail(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"RESULTS_{name}.md"
    path.write_text(f"# 测试基准 {name}\n\n说明。\n\n{body}\n\n更多说明。\n", encoding="utf-8")
    return path


def summary(rows: str) -> str:
    return f"<!-- summary -->\n{HEADER}{rows}<!-- /summary -->"


def test_results_md_is_what_the_detail_files_give():
    assert (BENCH / "RESULTS.md").read_text(encoding="utf-8") == make_results.build(), (
        "bench/RESULTS.md differs from the detail files: run .venv/bin/python bench/make_results.py")


def test_the_index_lists_every_summary_row_with_a_link_to_its_file(tmp_path):
    commit = head()
    detail(tmp_path, "a", summary(f"| 甲 | 1 s | 2 s | 0.50× | ≤ 1 s | `{commit}` |\n"))
    detail(tmp_path, "b", summary(f"| 乙 | 3 s | 1 s | 3.00× | — | 之前 `{commit}`，之后 `{commit}` |\n"
                                  f"| 丙 | 4 s | 2 s | 2.00× | — | `{commit}` |\n"))
    (tmp_path / "RESULTS.md").write_text("not a detail file", encoding="utf-8")
    text = make_results.build(tmp_path, repo=BENCH)
    assert f"| 甲 | 1 s | 2 s | 0.50× | ≤ 1 s | `{commit}` | [RESULTS_a](RESULTS_a.md) |" in text
    assert f"| 丙 | 4 s | 2 s | 2.00× | — | `{commit}` | [RESULTS_b](RESULTS_b.md) |" in text
    assert "- [RESULTS_b.md](RESULTS_b.md)：测试基准 b" in text and "## 机器" in text


@pytest.mark.parametrize(("body", "message"), [
    ("没有摘要", "needs exactly one line <!-- summary -->"),
    ("<!-- summary -->\n| 基准 | 结果 | 提交 |\n|---|---|---|\n| 甲 | 1 | `abcdef0` |\n<!-- /summary -->",
     "columns must be"),
    (summary("| 甲 | 1 s | 2 s | 0.5× | — | 未记录 |\n"), "names no commit"),
    (summary("| 甲 | 1 s | 2 s | 0.5× | — |\n"), "has 5 cells"),
    ("<!-- summary -->\n" + HEADER + "<!-- /summary -->", "at least one row"),
])
def test_a_malformed_summary_is_refused_naming_the_file(tmp_path, body, message):
    detail(tmp_path, "bad", body)
    with pytest.raises(make_results.ResultsError, match=message) as refused:
        make_results.build(tmp_path, repo=None)
    assert "RESULTS_bad.md" in str(refused.value)


def test_a_commit_that_is_not_an_ancestor_of_head_is_refused(tmp_path):
    detail(tmp_path, "gone", summary("| 甲 | 1 s | 2 s | 0.5× | — | `3aab329` |\n"))  # named once, never on main
    with pytest.raises(make_results.ResultsError, match="commit 3aab329 .* is not an ancestor of HEAD"):
        make_results.build(tmp_path, repo=BENCH)
