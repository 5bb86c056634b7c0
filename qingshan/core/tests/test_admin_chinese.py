"""The admin's sections for the login protection (django-axes) and the job queue (django-tasks-db) read in Chinese:
neither package ships a Chinese catalogue, so qingshan/core/locale carries one."""
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from qingshan.core.testing.pages import parse
from qingshan.ledgers.tasks import run_ledger_export

CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str, str]]:
    """(context, msgid, msgstr) of every entry."""
    text = CATALOGUE.read_text(encoding="utf-8")
    return re.findall(r'^(?:msgctxt "(.+)"\n)?msgid "(.+)"\nmsgstr "(.+)"$', text, re.M)


def _served(context: str, msgid: str) -> str:
    return translation.pgettext(context, msgid) if context else translation.gettext(msgid)


def test_every_entry_of_the_catalogue_is_served_so_the_compiled_file_is_not_stale():
    entries = _entries()
    assert len(entries) > 40
    with translation.override("zh-hans"):
        stale = [msgid for context, msgid, msgstr in entries if _served(context, msgid) != msgstr
                 and msgid not in ("Username",)]  # Django's own auth catalogue comes first for this one
    assert stale == [], "django.mo is older than django.po: run msgfmt -o django.mo django.po"


@pytest.mark.django_db
def test_the_admin_names_the_login_protection_and_job_queue_sections_in_chinese(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    index = " ".join(parse(client.get("/admin/").content.decode()).texts)
    for chinese in ("登录防护", "登录尝试", "登录日志", "后台任务队列", "后台任务"):
        assert chinese in index
    for english in ("Axes", "Access attempts", "Access logs", "Task results"):
        assert english.lower() not in index.lower()

    attempts = " ".join(parse(client.get("/admin/axes/accessattempt/").content.decode()).texts)
    assert "尝试时间" in attempts and "Attempt Time" not in attempts
    run_ledger_export.enqueue(0)  # a queued job, so that the list shows its columns
    tasks = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    text = " ".join(parse(tasks.content.decode()).texts)
    assert "入队时间" in text and "待运行" in text
    assert "enqueued at" not in text.lower() and "Ready" not in text
