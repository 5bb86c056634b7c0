"""API errors in one shape: {"detail": "<中文说明>", "field": ...}; service refusals become 400/403, not 500."""
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from qingshan.core.errors import NotFound, PermissionRefused, ServiceError


def exception_handler(exc, context):
    if isinstance(exc, NotFound):
        return Response({"detail": "未找到该记录，或您无权查看。"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionRefused):
        return Response({"detail": exc.message, "field": exc.field}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message, "field": exc.field}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
