"""Assertions shared by the API tests."""
import re

from qingshan.audit.models import AuditEvent

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def events_of(problem) -> list[str]:
    """The audit actions recorded on `problem`, oldest first."""
    return list(AuditEvent.objects.filter(object_type="problems.problem", object_id=problem.pk)
                .order_by("seq").values_list("action", flat=True))


def assert_error(response, status: int, *, field=None, message=None) -> dict:
    """The response is the API's error shape with a Chinese message (and, if given, that field and message)."""
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert set(body) >= {"detail", "field"}, body
    assert CHINESE.search(body["detail"]), body
    if field is not None:
        assert body["field"] == field, body
    if message is not None:
        assert body["detail"] == message, body
    return body
