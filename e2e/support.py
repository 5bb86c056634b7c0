"""Helpers shared by the browser stories."""
from contextlib import contextmanager


def htmx_ready(page):
    """Wait until the page now shown has finished loading, so htmx (a deferred script) has wired up its elements.

    A click that lands earlier falls back to the plain link or form, which works but is not what the story tests;
    on a button that only htmx drives (type=button) it would be lost. Call it after a web-first assertion that the
    new page is there, never straight after a click that navigates: the old page has loaded already."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


@contextmanager
def datacheck_world(settings, tmp_path):
    """The test world at its fixed "now", with data sets in the test's own folder and
    the 数据比对模型 problem source: what a data-comparison story starts from."""
    import time_machine

    from qingshan.problems.models import Source
    from qingshan.problems.testing.world import WORLD_NOW, build_world

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.DATASETS_DIR = tmp_path / "datasets"
    settings.DATACHECK_ENGINE = "duckdb"
    with time_machine.travel(WORLD_NOW, tick=True):
        world = build_world()
        Source.objects.create(code="model", name="数据比对模型")
        yield world


def import_through_page(page, base_url: str, dataset_code: str, path, rows: int) -> None:
    """Import the file at `path` through the data set's import page, as a data officer does, and see it done."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/datasets/{dataset_code}/import/")
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('开始导入')")
    expect(page.locator("#batch-result")).to_contain_text(f"导入完成：{rows} 行")
