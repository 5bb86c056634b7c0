"""Word files: generated in the background from the type's template, stored with their hash, re-downloadable; what
a recipient opens shows the number, the recipient and the title, and never an internal note. An administrator's
template replaces the built-in one only when it is a .docx that renders."""
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingshan.core.documents import docx_text
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.core.testing.jobs import run_queued_jobs
from qingshan.instruments import services
from qingshan.instruments.choices import Kind, State
from qingshan.instruments.models import DocumentBatch, DocumentTemplate, GeneratedDocument
from qingshan.instruments.templatebuilder import build
from qingshan.instruments.testing.flows import drive_to

SECRET = "内部：该局局长与被举报人系同学关系"


def test_a_generated_document_shows_number_recipient_title_and_no_internal_note(world, client,
                                                                                  django_capture_on_commit_callbacks):
    instrument = drive_to(world, State.ISSUED)
    services.instrument_note(actor=world.officer, instrument=instrument, text=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.instrument_generate(actor=world.officer, instrument=instrument)
    assert run_queued_jobs() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total) == ("done", 1, 1)
    document = GeneratedDocument.objects.get(instrument=instrument)
    # The recipient downloads it through the access check and opens it.
    client.force_login(world.eco_handler)
    response = client.get(reverse("instruments:document", args=[document.pk]))
    data = b"".join(response.streaming_content)
    assert response.status_code == 200 and hashlib.sha256(data).hexdigest() == document.sha256
    text = docx_text(data)
    assert "青纪建〔2026〕1号" in text and "市生态环境局：" in text and instrument.title in text
    assert "入河排污口未整治" in text  # the problem it concerns
    assert SECRET not in text and "内部" not in text
    # Another unit cannot fetch it.
    client.force_login(world.water_handler)
    assert client.get(reverse("instruments:document", args=[document.pk])).status_code == 404


def test_a_batch_generates_many_with_progress(world, django_capture_on_commit_callbacks):
    instruments = [drive_to(world, State.ISSUED, kind=kind) for kind in (Kind.SUGGESTION, Kind.RECTIFY_LETTER,
                                                                         Kind.WORK_TIP)]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.documents_request(actor=world.officer, instruments=instruments)
    run_queued_jobs()
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.percent) == ("done", 3, 100)
    texts = {d.instrument.kind: docx_text(services.docx_bytes(d)) for d in GeneratedDocument.objects.all()}
    assert "青纪改函〔2026〕1号" in texts[Kind.RECTIFY_LETTER] and "青纪提示〔2026〕1号" in texts[Kind.WORK_TIP]


def test_drafts_and_other_peoples_instruments_are_not_generated(world):
    with pytest.raises(ServiceError, match="尚未签发"):
        services.documents_request(actor=world.officer, instruments=[drive_to(world, State.DRAFT)])
    with pytest.raises(PermissionRefused):
        services.documents_request(actor=world.group_staff, instruments=[drive_to(world, State.ISSUED)])
    assert not DocumentBatch.objects.exists()


def _docx(data: bytes, name: str = "模板.docx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_an_administrator_replaces_a_template_without_code(world, django_capture_on_commit_callbacks):
    world.officer.is_staff = True
    world.officer.save()
    custom = build(Kind.SUGGESTION)  # a valid template; its use is shown by its hash
    template = services.template_replace(actor=world.officer, kind=Kind.SUGGESTION, upload=_docx(custom))
    instrument = drive_to(world, State.ISSUED)
    with django_capture_on_commit_callbacks(execute=True):
        services.instrument_generate(actor=world.officer, instrument=instrument)
    run_queued_jobs()
    assert GeneratedDocument.objects.get(instrument=instrument).template_sha256 == template.sha256


@pytest.mark.parametrize(("name", "data", "message"), [
    ("模板.doc", b"\xd0\xcf\x11\xe0", "须为 Word 文档"),
    ("模板.docx", b"not a zip", "不是有效的 Word 文档"),
])
def test_a_bad_template_is_refused_and_the_old_one_stays(world, name, data, message):
    world.officer.is_staff = True
    world.officer.save()
    with pytest.raises(ServiceError, match=message):
        services.template_replace(actor=world.officer, kind=Kind.SUGGESTION, upload=_docx(data, name))
    assert not DocumentTemplate.objects.exists()


def test_a_template_with_broken_tags_is_refused_in_the_admin(world, client):
    import io

    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ number ")  # an unclosed tag
    out = io.BytesIO()
    doc.save(out)
    admin = world.officer
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post(reverse("admin:instruments_documenttemplate_add"),
                           {"kind": Kind.SUGGESTION, "note": "", "upload": _docx(out.getvalue())})
    assert response.status_code == 200 and "模板无法用示例数据生成文书" in response.content.decode()
    assert not DocumentTemplate.objects.exists()
    ok = client.post(reverse("admin:instruments_documenttemplate_add"),
                     {"kind": Kind.SUGGESTION, "note": "新版", "upload": _docx(build(Kind.SUGGESTION))})
    assert ok.status_code == 302 and DocumentTemplate.objects.filter(is_active=True).count() == 1


def test_the_built_in_templates_follow_gb_t_9704():
    import io

    from docx import Document
    from docx.shared import Mm

    document = Document(io.BytesIO(build(Kind.SUGGESTION)))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    assert abs(section.page_width - section.left_margin - section.right_margin - Mm(156)) < Mm(1)
    xml = document.element.xml
    assert "方正小标宋简体" in xml and "仿宋_GB2312" in xml and 'w:color="FF0000"' in xml
    assert "{{ number }}" in "\n".join(p.text for p in document.paragraphs)


@pytest.mark.parametrize("kind", Kind.values)
def test_the_shipped_templates_are_what_the_builder_makes(kind):
    """doc_templates/ is reproducible: `manage.py build_instrument_templates` writes the same documents."""
    import zipfile
    from io import BytesIO

    from qingshan.instruments.templatebuilder import DIRECTORY

    def body(data: bytes) -> bytes:
        return zipfile.ZipFile(BytesIO(data)).read("word/document.xml")

    assert body((DIRECTORY / f"{kind}.docx").read_bytes()) == body(build(kind))
