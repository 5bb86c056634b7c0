"""REST API for other systems pushing data: POST a file to import a batch, GET the batch's status.

Thin views: access decides what a caller sees (404 for a data set or batch it may not see), the services decide
what it may do, with their own Chinese messages (see qingshan.api.errors for the error shape).
"""
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from qingshan.api.errors import InputInvalid

from . import selectors, services
from .choices import ImportMode
from .models import ImportBatch

TAG = "数据集"


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV（UTF-8/GBK/GB18030）、.xlsx 或 Parquet 文件",
                                 error_messages={"required": "请上传要导入的文件（file）。"})
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.APPEND,
                                   error_messages={"invalid_choice": "导入方式（mode）只能是 append 或 replace。"})


class BatchOutput(serializers.ModelSerializer):
    dataset = serializers.CharField(source="dataset.code")
    status_label = serializers.CharField(source="get_status_display")
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = ["id", "url", "dataset", "original_name", "sha256", "size", "file_format", "encoding", "mode",
                  "status", "status_label", "phase", "percent", "rows_done", "rows_total", "row_count",
                  "created_at", "started_at", "finished_at", "error_summary", "error_count", "errors"]

    def get_url(self, batch) -> str:
        return reverse("api:dataset-batch", args=[batch.pk])


class BatchCreateAPIView(APIView):
    """Import a file into a data set (the same service and checks as the web page)."""

    parser_classes = [MultiPartParser]

    @extend_schema(tags=[TAG], summary="导入数据文件", request={"multipart/form-data": ImportInput},
                   responses={202: BatchOutput, 400: OpenApiResponse(description="参数错误或文件不符合要求"),
                              403: OpenApiResponse(description="无导入权限"),
                              404: OpenApiResponse(description="未找到")})
    def post(self, request, code):
        dataset = selectors.dataset_detail(user=request.user, code=code)
        data = ImportInput(data=request.data)
        if not data.is_valid():
            field, messages = next(iter(data.errors.items()))
            message = str(messages[0])
            raise InputInvalid(message, field=field, errors=data.errors)
        batch = services.batch_create(actor=request.user, dataset=dataset, upload=data.validated_data["file"],
                                      mode=data.validated_data["mode"])
        batch.refresh_from_db()
        return Response(BatchOutput(batch).data, status=status.HTTP_202_ACCEPTED)


class BatchStatusAPIView(APIView):
    """The status and progress of one import batch."""

    @extend_schema(tags=[TAG], summary="查询导入批次状态", responses={200: BatchOutput})
    def get(self, request, pk):
        return Response(BatchOutput(selectors.batch_detail(user=request.user, pk=pk)).data)


# Mounted under /api/ with every app's API; the first version's /datasets/api/… paths keep working (undocumented).
urlpatterns = [
    path("datasets/batches/<int:pk>/", BatchStatusAPIView.as_view(), name="dataset-batch"),
    path("datasets/<str:code>/batches/", BatchCreateAPIView.as_view(), name="dataset-import"),
]
