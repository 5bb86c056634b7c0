"""Instruments: 1,000 Word files generated in one background batch, against the same template rendered by docxtpl
alone, in the same run.

Usage: .venv/bin/python bench/bench_instruments.py [--instruments 1000] [--runs 3] [--db-url URL]

Builds N issued 纪检监察建议书 (each concerning two problems) in a scratch database (SQLite in a temporary directory by
default; --db-url for PostgreSQL), then alternates, `--runs` times:

  batch     services.documents_request() queues one job for all N; the worker's own claim-and-run step
            (core.worker.run_one, as `manage.py run_worker` does) generates them: per instrument the context from the
            database, docxtpl rendering, the file stored with its SHA-256, the GeneratedDocument rows and audit events
            written in chunks of 25 with the batch's progress. Timed from the request to the batch marked done.
  docxtpl   the same template bytes and the same N contexts (built once beforehand, outside the timing), each
            rendered by DocxTemplate(...).render(...) and saved to memory: the floor any generator pays.

Prints each run, the median and range of each, and the ratio of the medians (goal ≤ 1.3).
"""
import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db_url: str | None, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = db_url or f"sqlite:///{data_dir}/bench.sqlite3"
    os.environ["QINGSHAN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build(n: int):
    """N issued instruments from the test world's commission office to 市生态环境局, each with two problems."""
    import datetime as dt
    from types import SimpleNamespace

    from django.db import transaction
    from django.utils import timezone

    from qingshan.instruments.choices import Kind, State
    from qingshan.instruments.models import Instrument
    from qingshan.orgs.testing.world import build_org_world
    from qingshan.problems.models import Category, Problem, Source

    w = build_org_world(SimpleNamespace())
    source = Source.objects.create(code="inspection", name="现场检查")
    category = Category.objects.create(code="water", name="水污染")
    now = timezone.now()
    problems = Problem.objects.bulk_create([Problem(
        number=f"QS-2026-{i:06d}", title=f"第{i}号入河排污口未整治", description="直排", source=source,
        category=category, region=w.city, region_path=w.city.path, received_at=now, received_on=now.date(),
        created_by=w.officer, supervising_org=w.office, state="received") for i in range(1, 2 * n + 1)])
    today = timezone.localdate()
    with transaction.atomic():
        instruments = Instrument.objects.bulk_create([Instrument(
            kind=Kind.SUGGESTION, issuer=w.commission, drafting_org=w.office, region_path=w.city.path,
            recipient=w.eco, title=f"关于加强第{i}段入河排污口监管的纪检监察建议书",
            body="我委在监督检查中发现，你局对入河排污口监管不到位，部分排污口长期直排。\n建议如下：一是全面排查；二是限期整治；"
                 "三是建立长效机制。",
            reply_deadline=today + dt.timedelta(days=15), rectify_deadline=today + dt.timedelta(days=60),
            state=State.ISSUED, year=today.year, serial=i, number=f"青纪建〔{today.year}〕{i}号", created_by=w.officer,
            created_at=now, issued_by=w.officer, issued_at=now, issued_on=today) for i in range(1, n + 1)])
        through = Instrument.problems.through
        through.objects.bulk_create([through(instrument_id=inst.pk, problem_id=problems[2 * k + j].pk)
                                     for k, inst in enumerate(instruments) for j in (0, 1)])
    return w, list(Instrument.objects.order_by("pk"))


def _batch(w, instruments) -> float:
    from django.db import transaction

    from qingshan.core.worker import run_one
    from qingshan.instruments import services
    from qingshan.instruments.models import DocumentBatch

    started = time.perf_counter()
    with transaction.atomic():
        batch = services.documents_request(actor=w.officer, instruments=instruments)
    while run_one("bench-worker"):
        pass
    elapsed = time.perf_counter() - started
    batch = DocumentBatch.objects.get(pk=batch.pk)
    assert (batch.status, batch.done) == ("done", len(instruments)), (batch.status, batch.error)
    return elapsed


def _docxtpl(template: bytes, contexts: list[dict]) -> float:
    from docxtpl import DocxTemplate

    started = time.perf_counter()
    for context in contexts:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, autoescape=True)
        document.save(io.BytesIO())
    return time.perf_counter() - started


def _clean() -> None:
    from django.core.files.storage import default_storage

    from qingshan.instruments.models import GeneratedDocument

    for name in GeneratedDocument.objects.values_list("file", flat=True):
        default_storage.delete(name)
    GeneratedDocument.objects.all().delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-instruments-") as data_dir:
        _setup(args.db_url, data_dir)
        from django.db import connection

        from qingshan.instruments.documents import document_context, template_for

        w, instruments = _build(args.instruments)
        template, _sha = template_for("suggestion")
        contexts = [document_context(i, sorted(f"{p.number} {p.title}" for p in i.problems.all()))
                    for i in instruments]
        print(f"{args.instruments} instruments on {connection.vendor}; {args.runs} runs each, alternating")
        batch_times, floor_times = [], []
        for run in range(1, args.runs + 1):
            floor_times.append(_docxtpl(template, contexts))
            batch_times.append(_batch(w, instruments))
            _clean()
            print(f"run {run}: batch {batch_times[-1]:.2f} s, docxtpl alone {floor_times[-1]:.2f} s")
        batch, floor = statistics.median(batch_times), statistics.median(floor_times)
        print(f"batch    median {batch:.2f} s (range {min(batch_times):.2f}–{max(batch_times):.2f}), "
              f"{args.instruments / batch:.0f} documents/s")
        print(f"docxtpl  median {floor:.2f} s (range {min(floor_times):.2f}–{max(floor_times):.2f}), "
              f"{args.instruments / floor:.0f} documents/s")
        print(f"ratio batch / docxtpl alone: {batch / floor:.2f} (goal ≤ 1.3)")


if __name__ == "__main__":
    main()
