"""A report carries evidence files (佐证): checked like a problem's attachments (type by content, size, count),
stored all or nothing, shown on the slot page and served, with no-store and a logged download, only to those who
may see the slot."""
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import ServiceError
from qingshan.core.testing.uploads import PNG, pdf, png
from qingshan.supervision import services
from qingshan.supervision.models import Report, ReportAttachment

from .conftest import submit


def _post(client, sw, *files, summary="本月完成排污口核查。"):
    client.force_login(sw.group_staff)
    return client.post(reverse("supervision:slot_submit", args=[sw.slot.pk]), {
        "summary": summary, "act-0-kind": "site_visit", "act-0-happened_on": "2026-01-20", "act-0-note": "实地查看",
        "files": list(files)})


def test_a_report_submitted_with_a_photo_shows_it_to_the_reviewer_who_downloads_it(client, sw):
    # The browser claims a web page: the type served is decided by the checked extension, never by the client.
    photo = SimpleUploadedFile("排污口现场.png", PNG, content_type="text/html")
    assert _post(client, sw, photo, pdf("检查记录.pdf")).status_code == 302
    files = list(ReportAttachment.objects.order_by("id"))
    assert [(f.original_name, f.content_type) for f in files] == [("排污口现场.png", "image/png"),
                                                                  ("检查记录.pdf", "application/pdf")]
    client.force_login(sw.officer)
    page = client.get(reverse("supervision:slot", args=[sw.slot.pk])).content.decode()
    link = reverse("supervision:report_file", args=[files[0].pk])
    assert f'href="{link}"' in page and "[照片] 排污口现场.png" in page
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store" and b"".join(response.streaming_content) == PNG
    event = AuditEvent.objects.get(action="download", object_type="supervision.report")
    assert event.actor == sw.officer and event.payload["name"] == "排污口现场.png"


@pytest.mark.parametrize("name", ["group2_staff", "eco_handler", "partner_staff"])
def test_nobody_outside_the_slot_gets_the_file(client, sw, name):
    report = submit(sw, files=[png()])
    client.force_login(getattr(sw, name))
    response = client.get(reverse("supervision:report_file", args=[report.attachments.get().pk]))
    assert response.status_code == 404


def _stored(sw) -> set[str]:
    folder = f"report_files/{sw.slot.pk}"
    return set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()


def test_a_renamed_file_is_refused_in_chinese_and_nothing_is_stored(client, sw):
    before = _stored(sw)
    fake = SimpleUploadedFile("现场照片.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = _post(client, sw, png("真照片.png"), fake)
    assert response.status_code == 400
    assert "附件“现场照片.png”的内容与扩展名不符" in response.content.decode()
    assert not Report.objects.exists() and not ReportAttachment.objects.exists() and _stored(sw) == before


def test_a_failure_after_the_files_were_written_removes_them(sw):
    before = _stored(sw)
    with pytest.raises(ServiceError, match="第1个发现问题须填写标题和描述"):
        submit(sw, files=[png()], findings=[{"title": "", "description": ""}])
    assert not ReportAttachment.objects.exists() and _stored(sw) == before


def test_too_many_files_are_refused(sw):
    with pytest.raises(ServiceError, match="每次报送最多上传20个佐证材料"):
        submit(sw, files=[png(f"照片{n}.png") for n in range(services.MAX_REPORT_FILES + 1)])
    assert not Report.objects.exists()
