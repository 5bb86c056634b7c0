"""API errors in one shape: {"detail": "<中文说明>", "field": ...}; service refusals become 400/403, not 500."""
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from qingshan.core.errors import NOT_FOUND_MESSAGE, NotFound, PermissionRefused, ServiceError

from .parsers import InputRefused


class InputInvalid(ServiceError):
    """Request data of the wrong shape or type; `errors` holds every field's messages, `message` the first one."""

    def __init__(self, message: str, *, field: str | None = None, errors: dict | None = None):
        super().__init__(message, field=field)
        self.errors = errors or {}


def first_error(errors, labels: dict | None = None) -> tuple[str | None, str]:
    """The first (field, message) of a DRF or Django error structure, the message prefixed by the field's label."""
    labels = labels or {}
    field, value = None, errors
    if isinstance(errors, dict) and errors:
        field, value = next(iter(errors.items()))
    # Nested lists and dicts (a list field's item, a child serializer): the first message inside them.
    while isinstance(value, dict | list) and value:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    message = str(value) if value else "请求内容有误。"
    if field in (None, "non_field_errors", "__all__"):
        return None, message
    label = labels.get(field) or field
    return field, f"{label}：{message}"


def exception_handler(exc, context):
    """Turn every error raised while serving an API request into {"detail": "<中文>", "field": ...}."""
    if isinstance(exc, NotFound | Http404):
        return Response({"detail": NOT_FOUND_MESSAGE, "field": None}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, InputInvalid):
        return Response({"detail": exc.message, "field": exc.field, "errors": exc.errors},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionRefused):
        return Response({"detail": exc.message, "field": exc.field}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message, "field": exc.field}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.Throttled):
        wait = f"请 {int(exc.wait) + 1} 秒后再试" if exc.wait is not None else "请稍后再试"
        headers = {"Retry-After": str(int(exc.wait) + 1)} if exc.wait is not None else None
        return Response({"detail": f"请求过于频繁，{wait}。", "field": None},
                        status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
    if isinstance(exc, exceptions.ParseError) and not isinstance(exc, InputRefused):
        # DRF's own text embeds the English parser message; an integrator needs to know what to fix.
        exc = exceptions.ParseError("请求内容无法解析，请检查 JSON 或表单格式以及 Content-Type。")
    if isinstance(exc, exceptions.ValidationError):
        field, message = first_error(exc.detail)
        return Response({"detail": message, "field": field, "errors": exc.detail},
                        status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "field": None}
    return response


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="错误说明（中文）")
    field = serializers.CharField(allow_null=True, help_text="出错的字段，无则为 null")
    errors = serializers.DictField(required=False, help_text="输入有误时：各字段的全部错误")
