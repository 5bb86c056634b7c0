"""The 数据比对 API under /api/datacheck/ (the first version's /datacheck/api/ paths keep working): start a run,
read a run's status, list hits (token or session auth).

Thin views over the same selectors and services as the pages: an id the caller may not see is 404, a refusal is the
service's own Chinese message (400/403, see qingshan.api.errors).
"""
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from qingshan.api.actions import action_urls
from qingshan.api.errors import ErrorOutput, InputInvalid, first_error
from qingshan.api.parsers import JSONParser

from . import masking, selectors, services
from .choices import Trigger
from .models import CheckModel, Hit, Run
from .transitions import HIT_ACTIONS

TAG = "数据比对"


class DatacheckExplanationParameter(serializers.Serializer):
    name = serializers.CharField(help_text="参数名")
    meaning = serializers.CharField(help_text="含义")
    default = serializers.CharField(help_text="默认值")
    basis = serializers.CharField(help_text="依据")


class DatacheckExplanation(serializers.Serializer):
    """A catalogue model's explanation, as its model page shows it."""

    finds = serializers.CharField(help_text="发现什么")
    does_not_find = serializers.CharField(help_text="不发现什么（常见的误报如何排除）")
    parameters = DatacheckExplanationParameter(many=True, help_text="参数、含义、默认值及依据")
    basis = serializers.CharField(help_text="法律、法规、标准或专业依据")
    edited = serializers.BooleanField(help_text="模型定义已在目录原版基础上修改（说明针对目录原版）")


class DatacheckModelOutput(serializers.ModelSerializer):
    default_queue = serializers.CharField(help_text="默认研判队列：rectify 整改类、verify 核查类、urgent 加急")
    explanation = serializers.SerializerMethodField(
        help_text="模型目录中模型的说明；自定义模型或目录中没有说明的模型为 null")

    @extend_schema_field(DatacheckExplanation(allow_null=True))
    def get_explanation(self, model) -> dict | None:
        explained = selectors.checkmodel_explanation(model=model)
        if explained is None:
            return None
        return DatacheckExplanation({**explained.explanation.as_dict(), "edited": explained.edited}).data

    class Meta:
        model = CheckModel
        fields = ["id", "code", "name", "description", "version", "origin", "enabled", "schedule", "next_run_at",
                  "default_queue", "create_problems", "explanation"]


class DatacheckRunStartInput(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, label="试运行")


class DatacheckRunOutput(serializers.ModelSerializer):
    model_code = serializers.CharField(source="model.code")
    version = serializers.IntegerField(source="version.number")
    preview = serializers.SerializerMethodField(help_text="试运行预览；身份证号、电话号码等个人信息已部分隐去")

    def get_preview(self, run) -> list[dict]:
        return masking.mask_preview(run.model, run.preview or [])

    class Meta:
        model = Run
        fields = ["id", "model_code", "version", "engine", "trigger", "dry_run", "status", "started_at",
                  "finished_at", "rows_scanned", "hit_rows", "subjects", "new_hits", "recurrences",
                  "problems_created", "seconds", "error", "preview", "draft_spec"]


class DatacheckHitOutput(serializers.ModelSerializer):
    model_code = serializers.CharField(source="model.code")
    problem_number = serializers.SerializerMethodField()
    subject_key = serializers.SerializerMethodField(help_text="对象标识；个人信息已部分隐去，明文须经 reveal 接口")
    subject_label = serializers.SerializerMethodField(help_text="对象名称；个人信息已部分隐去")

    def _shown(self, hit) -> Hit:
        if not hasattr(hit, "shown_key"):
            masking.mask_hits([hit])
        return hit

    def get_subject_key(self, hit) -> str:
        return self._shown(hit).shown_key

    def get_subject_label(self, hit) -> str:
        return self._shown(hit).shown_label

    class Meta:
        model = Hit
        fields = ["id", "model_code", "subject_key", "subject_label", "state", "queue", "occurrences",
                  "absent_in_last_run", "first_seen_at", "last_seen_at", "hit_rows", "lng", "lat",
                  "problem_number", "reason"]

    def get_problem_number(self, hit) -> str | None:
        """The problem's number, only when the caller may see the problem (it may be restricted to named people)."""
        return hit.problem.number if hit.problem_id and getattr(hit, "problem_visible", False) else None


ERRORS = {
    400: OpenApiResponse(ErrorOutput, description="输入有误或模型未启用（未作任何更改）"),
    403: OpenApiResponse(ErrorOutput, description="您无权运行该模型"),
    404: OpenApiResponse(ErrorOutput, description="记录不存在，或您无权查看"),
}


class _Base(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]


class ModelDetailView(_Base):
    """One model the caller may see, with its catalogue explanation (what it finds, what not, parameters, basis)."""

    @extend_schema(tags=[TAG], responses={200: DatacheckModelOutput, **ERRORS}, summary="模型详情")
    def get(self, request, pk):
        return Response(DatacheckModelOutput(selectors.checkmodel_detail(user=request.user, pk=pk)).data)


class RunStartView(_Base):
    """Queue a run of a model (trigger 接口) for the background worker; answers with the recorded run (排队中),
    whose status the run's URL reports until it has finished."""

    @extend_schema(tags=[TAG], request=DatacheckRunStartInput, responses={201: DatacheckRunOutput, **ERRORS},
                   summary="运行模型")
    def post(self, request, pk):
        model = selectors.checkmodel_detail(user=request.user, pk=pk)  # 404 before anything else
        serializer = DatacheckRunStartInput(data=request.data)
        if not serializer.is_valid():
            field, message = first_error(serializer.errors, {"dry_run": "试运行"})
            raise InputInvalid(message, field=field, errors=serializer.errors)
        run = services.run_start(actor=request.user, model=model, dry_run=serializer.validated_data["dry_run"],
                                 trigger=Trigger.API, background=True)
        return Response(DatacheckRunOutput(run).data, status=status.HTTP_201_CREATED)


class RunStatusView(_Base):
    """A run's status and figures."""

    @extend_schema(tags=[TAG], responses={200: DatacheckRunOutput, **ERRORS}, summary="运行状态")
    def get(self, request, pk):
        return Response(DatacheckRunOutput(selectors.run_detail(user=request.user, pk=pk)).data)


class HitPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class DatacheckHitPage(serializers.Serializer):
    """One page of hits, as the list answers it (documented as a page, not a bare list)."""

    count = serializers.IntegerField(help_text="符合条件的命中总数")
    next = serializers.URLField(allow_null=True, help_text="下一页地址，无则为 null")
    previous = serializers.URLField(allow_null=True, help_text="上一页地址，无则为 null")
    results = DatacheckHitOutput(many=True)


class HitListView(_Base):
    """Hits the caller may see, filtered like the triage queue (queue, model, state, q, kpi)."""

    @extend_schema(tags=[TAG], responses={200: DatacheckHitPage, **ERRORS}, summary="命中线索列表",
                   parameters=[OpenApiParameter("page", int, description="页码，从 1 开始"),
                               OpenApiParameter("page_size", int, description="每页条数，默认 50，最多 200")])
    def get(self, request):
        queryset, filterset = selectors.hit_list(user=request.user, params=request.query_params)
        if filterset.errors:
            field, message = first_error(filterset.errors)
            raise InputInvalid(message, field=field, errors=filterset.errors)
        paginator = HitPagination()
        page = masking.mask_hits(paginator.paginate_queryset(queryset, request, view=self) or [])
        return paginator.get_paginated_response(DatacheckHitOutput(page, many=True).data)


class HitRevealInput(serializers.Serializer):
    reason = serializers.CharField(label="查看事由", max_length=200, allow_blank=True, required=False, default="")


class HitRevealedOutput(serializers.Serializer):
    subject_key = serializers.CharField()
    subject_label = serializers.CharField()
    evidence = serializers.ListField(child=serializers.DictField())


class HitRevealView(_Base):
    """A hit's personal identifiers in full, for a stated reason (audited; the answer is not cached)."""

    @extend_schema(tags=[TAG], request=HitRevealInput, responses={200: HitRevealedOutput, **ERRORS},
                   summary="查看命中线索个人信息明文")
    def post(self, request, pk):
        hit = selectors.hit_detail(user=request.user, pk=pk)
        data = HitRevealInput(data=request.data)
        if not data.is_valid():
            field, message = first_error(data.errors, {"reason": "查看事由"})
            raise InputInvalid(message, field=field, errors=data.errors)
        hit = masking.hit_reveal_identifiers(actor=request.user, hit=hit, reason=data.validated_data["reason"])
        response = Response(HitRevealedOutput({"subject_key": hit.subject_key, "subject_label": hit.subject_label,
                                               "evidence": hit.evidence}).data)
        response["Cache-Control"] = "private, no-store"
        return response


def _hit_result(request, hit: Hit) -> Response:
    """The hit after a triage action, as the caller now sees it."""
    return Response(DatacheckHitOutput(selectors.hit_detail(user=request.user, pk=hit.pk)).data)


def _hit_for_triage(user, pk) -> Hit:
    return selectors.hit_detail(user=user, pk=pk)


# Mounted under /api/ with every app's API; the first version's /datacheck/api/… paths keep working (undocumented).
urlpatterns = [
    *action_urls(HIT_ACTIONS, prefix="datacheck/hits", fetch=_hit_for_triage, respond=_hit_result,
                 responses={200: DatacheckHitOutput, **ERRORS}, tag=TAG, url_name_prefix="datacheck-hit"),
    path("datacheck/models/<int:pk>/", ModelDetailView.as_view(), name="datacheck-model"),
    path("datacheck/models/<int:pk>/runs/", RunStartView.as_view(), name="datacheck-run-start"),
    path("datacheck/runs/<int:pk>/", RunStatusView.as_view(), name="datacheck-run"),
    path("datacheck/hits/", HitListView.as_view(), name="datacheck-hits"),
    path("datacheck/hits/<int:pk>/reveal/", HitRevealView.as_view(), name="datacheck-hit-reveal"),
]
