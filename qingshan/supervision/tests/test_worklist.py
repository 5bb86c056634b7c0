"""The reporting cycle in 我的待办: reports to fill, returned ones to redo (the submitter's own), reports to review."""
from django.urls import reverse

from qingshan.core.worklist import OWN, work_queues
from qingshan.supervision import services
from qingshan.supervision.choices import SlotState

from .conftest import submit


def _counts(user):
    user = type(user).objects.get(pk=user.pk)  # a fresh profile
    return {q.key: (q.queryset.count(), q.section(OWN).count()) for q in work_queues(user=user)
            if q.key.startswith("reports_")}


def test_an_assignee_has_its_reports_to_fill_and_the_office_none(sw):
    owed = sw.slot.item.slots.filter(org=sw.group, state=SlotState.PENDING).count()
    assert owed >= 1
    assert _counts(sw.group_staff)["reports_to_fill"] == (owed, 0)
    assert "reports_to_fill" not in _counts(sw.officer)


def test_a_returned_report_is_the_submitters_own_and_a_resubmission_the_reviewers(sw):
    report = submit(sw)
    assert _counts(sw.officer)["reports_to_review"] == (1, 0)
    services.report_review(actor=sw.officer, report=report, approve=False, comment="请补充监测数据")
    assert _counts(sw.group_staff)["reports_returned"] == (1, 1)
    assert _counts(sw.group_head)["reports_returned"] == (1, 0)  # the group's, not the head's own
    submit(sw, summary="已补充监测数据。")
    assert _counts(sw.officer)["reports_to_review"] == (1, 1)  # the officer returned the first version


def test_the_page_lists_the_returned_report_among_own_items(client, sw):
    services.report_review(actor=sw.officer, report=submit(sw), approve=False, comment="请补充监测数据")
    client.force_login(sw.group_staff)
    body = client.get(reverse("inbox") + "?section=own&queue=reports_returned").content.decode()
    assert 'data-queue="reports_returned" data-count="1">报送被退回' in body
    listed = body[body.index('id="worklist-items"'):]
    assert reverse("supervision:slot", args=[sw.slot.pk]) in listed and sw.item.title in listed
