"""The problems API (mounted under /api/): thin views that parse input, then call the problem selectors, the access
rules and the services. Every action of the table is served by the generic action endpoint (qingshan.api.actions).

Nothing here decides who may do what: `access` decides what a caller sees (an id the caller may not see is 404,
exactly like a missing one) and the services decide what a caller may do, with their own Chinese messages.
"""
from functools import partial

from django.http import FileResponse
from django.urls import path, reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from qingshan.access.problems import access_attachment, access_problem, may_see_internal, reveal_problem_reporter
from qingshan.api.actions import EmptyInput, action_urls, validated
from qingshan.api.errors import InputInvalid, first_error
from qingshan.api.parsers import JSONParser
from qingshan.core.errors import NotFound
from qingshan.core.paging import COUNT_BOUND, BoundedPaginator
from qingshan.core.uploads import content_type_for
from qingshan.core.worklist import queue_counts, work_queues

from . import serializers as s
from . import services
from .choices import Action, State
from .filters import ProblemFilter
from .models import Problem
from .selectors import (
    problem_detail,
    problem_list,
    problem_list_count_ids,
    problem_timeline,
    reporter_for_display,
)
from .transitions import PROBLEM_ACTIONS

PROBLEMS_TAG = "问题"

ERRORS = {
    400: OpenApiResponse(s.ErrorOutput, description="输入有误或当前状态不允许该操作（未作任何更改）"),
    401: OpenApiResponse(s.ErrorOutput, description="未提供或提供了无效的身份凭证"),
    403: OpenApiResponse(s.ErrorOutput, description="您无权执行该操作（未作任何更改）"),
    404: OpenApiResponse(s.ErrorOutput, description="问题不存在，或您无权查看"),
}
ACTION_RESPONSES = {200: s.ActionResultOutput, **ERRORS}


class ProblemPagination(PageNumberPagination):
    """50 a page by default; an integration may ask for up to 200 with `page_size`. The total is counted only up
    to COUNT_BOUND, as on the list page (counting every visible problem of a commission on each call costs more
    than the page itself): `count_is_bounded` says there are more than `count`, and pages past the bound are not
    offered (narrow with the filters instead)."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None, *, count_ids=None):
        """`count_ids`: what to count instead of the list (see BoundedPaginator), as the list page does."""
        self.django_paginator_class = partial(BoundedPaginator, count_ids=count_ids)
        return super().paginate_queryset(queryset, request, view=view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {"count": response.data["count"], "count_is_bounded": self.page.paginator.is_bounded,
                         **{key: value for key, value in response.data.items() if key != "count"}}
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        properties["count"]["description"] = f"符合条件的问题数；超过 {COUNT_BOUND} 条时只计到 {COUNT_BOUND}"
        properties = {"count": properties["count"], "count_is_bounded": {
            "type": "boolean", "example": False,
            "description": f"为 true 时实际问题数多于 count（只计到 {COUNT_BOUND} 条），"
                           f"超出部分的页不再提供，请用筛选条件缩小范围"},
            **{key: value for key, value in properties.items() if key != "count"}}
        return {**paginated, "properties": properties, "required": ["count", "count_is_bounded", "results"]}


class SelectorFilterBackend(DjangoFilterBackend):
    """Documents ProblemFilter's query parameters; the filtering itself is done once, by the selector."""

    def filter_queryset(self, request, queryset, view):
        """Return the queryset unchanged: `problem_list` already applied ProblemFilter."""
        return queryset


def _endpoint(problem_pk: int, action_code: str) -> str:
    return reverse(f"api:problem-{PROBLEM_ACTIONS[action_code].path}", kwargs={"pk": problem_pk})


def _detail(request, problem: Problem) -> dict:
    """ProblemDetailOutput for the caller: the selectors decide the timeline and the (masked) reporter."""
    user = request.user
    context = {
        "request": request,
        "sees_internal": may_see_internal(user),
        "reporter": reporter_for_display(user=user, problem=problem),
        "allowed_actions": [
            {"action": code, "label": PROBLEM_ACTIONS[code].label, "endpoint": _endpoint(problem.pk, code)}
            for code in services.allowed_actions(user, problem)
        ],
        "timeline": problem_timeline(user=user, problem=problem),
    }
    return s.ProblemDetailOutput(problem, context=context).data


def _respond(request, problem: Problem) -> Response:
    """The outcome of an action, re-read through access: the caller may no longer see the problem (e.g. 退回)."""
    try:
        detail = _detail(request, problem_detail(user=request.user, pk=problem.pk))
    except NotFound:
        detail = None
    return Response({"id": problem.pk, "number": problem.number, "state": problem.state,
                     "state_display": State(problem.state).label, "problem": detail})


class ProblemViewSet(GenericViewSet):
    """问题（工单）: list, register, detail, and one POST endpoint per action of the transition table."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # JSON only: the interactive documentation is Swagger UI; DRF's browsable forms would list every user and unit.
    renderer_classes = [JSONRenderer]
    pagination_class = ProblemPagination
    filter_backends = [SelectorFilterBackend]
    filterset_class = ProblemFilter
    lookup_value_regex = r"\d+"
    # The input serializer of each write; the one place that says which shape each endpoint accepts.
    input_serializers = {
        "create": s.ProblemCreateMultipartInput,
        "reveal_reporter": s.RevealReporterInput,
        "act_attach": s.AttachmentInput,
    }

    def get_queryset(self):
        """Only for schema generation: the real reads go through the selectors."""
        if getattr(self, "swagger_fake_view", False):
            return Problem.objects.none()
        queryset, _ = problem_list(user=self.request.user)
        return queryset

    def get_serializer_class(self):
        """The input serializer of the current write (also what an OPTIONS request describes)."""
        # OPTIONS ("metadata") describes POST with a cloned request: the action then comes from that method.
        action_name = self.action
        if action_name in (None, "metadata"):
            action_name = self.action_map.get(self.request.method.lower())
        return self.input_serializers.get(action_name, EmptyInput)

    def _input(self, request) -> dict:
        return validated(self.get_serializer_class(), request)

    # ------------------------------------------------------------ list, create, detail

    @extend_schema(summary="问题列表", tags=[PROBLEMS_TAG], responses={200: s.ProblemListOutput(many=True), **ERRORS},
                   description="您有权查看的问题，可按下列条件筛选（与网页“问题清单”相同），分页返回，每页默认 50 条。"
                               f"总数最多计到 {COUNT_BOUND} 条：超过时 count_is_bounded 为 true，"
                               "请用筛选条件缩小范围。")
    def list(self, request):
        """GET /api/problems/: the caller's visible problems, filtered by ProblemFilter."""
        queryset, filterset = problem_list(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            labels = {name: f.label for name, f in filterset.filters.items()}
            field, message = first_error(filterset.errors, labels)
            raise InputInvalid(f"查询条件有误：{message}", field=field, errors=filterset.errors)
        page = self.paginator.paginate_queryset(queryset, request, view=self, count_ids=problem_list_count_ids(
            user=request.user, filterset=filterset))
        return self.get_paginated_response(s.ProblemListOutput(page, many=True, context={"request": request}).data)

    @extend_schema(
        summary="登记问题", tags=[PROBLEMS_TAG],
        description="登记一个新问题。可用 JSON（不带附件）或 multipart/form-data（带登记材料）提交。"
                    "来电人姓名和电话只写不读：加密保存，接口只返回脱敏信息。",
        request={"application/json": s.ProblemCreateInput, "multipart/form-data": s.ProblemCreateMultipartInput},
        responses={201: s.ProblemDetailOutput, **ERRORS},
    )
    def create(self, request):
        """POST /api/problems/: register a problem through services.problem_create."""
        data = self._input(request)
        problem = services.problem_create(actor=request.user, **data)
        return Response(_detail(request, problem_detail(user=request.user, pk=problem.pk)),
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="问题详情", tags=[PROBLEMS_TAG], responses={200: s.ProblemDetailOutput, **ERRORS},
                   description="问题详情：承办单位、延期申请、附件（下载链接）、当前用户可执行的操作、办理过程；"
                               "来电人信息只显示脱敏内容。")
    def retrieve(self, request, pk=None):
        """GET /api/problems/{id}/."""
        return Response(_detail(request, problem_detail(user=request.user, pk=pk)))

    # ------------------------------------------------------------ reporter

    @extend_schema(summary="查看来电人联系方式", tags=[PROBLEMS_TAG], request=s.RevealReporterInput,
                   responses={200: s.RevealedReporterOutput, **ERRORS},
                   description="返回来电人姓名和电话明文。须填写事由，每次查看都记入审计日志（借阅登记）。")
    @action(detail=True, methods=["post"], url_path="reveal-reporter", url_name="reveal-reporter")
    def reveal_reporter(self, request, pk=None):
        """POST /api/problems/{id}/reveal-reporter/: access.reveal_problem_reporter, audited."""
        problem = access_problem(request.user, pk)
        data = self._input(request)
        revealed = reveal_problem_reporter(user=request.user, problem=problem, reason=data["reason"])
        response = Response(s.RevealedReporterOutput(revealed).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(summary="上传附件", tags=[PROBLEMS_TAG], request={"multipart/form-data": s.AttachmentInput},
                   responses={201: s.AttachmentOutput, **ERRORS},
                   description="督办人员或承办单位为问题上传一个附件（multipart/form-data）。")
    @action(detail=True, methods=["post"], url_path="attachments", url_name="attachments")
    def act_attach(self, request, pk=None):
        """POST /api/problems/{id}/attachments/."""
        problem = access_problem(request.user, pk)
        data = self._input(request)
        attachment = services.attachment_add(actor=request.user, problem=problem, upload=data["file"],
                                             purpose=data["purpose"])
        return Response(s.AttachmentOutput(attachment, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    """GET /api/attachments/{id}/download/: the file, if the caller may see its problem; each download is logged."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        """Never refuse with 406: a download client may send `Accept: application/octet-stream`; errors stay JSON."""
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(summary="下载附件", tags=["附件"],
                   description="下载附件文件。无权查看其所属问题时返回 404；每次下载均记入审计日志。",
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 401: ERRORS[401],
                              404: ERRORS[404]})
    def get(self, request, pk):
        """Check access, record the download, stream the file."""
        attachment = access_attachment(request.user, pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise NotFound from exc
        services.attachment_record_download(actor=request.user, attachment=attachment)
        response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                                content_type=content_type_for(attachment.original_name))
        response["Cache-Control"] = "private, no-store"
        return response


class InboxView(APIView):
    """GET /api/inbox/: the caller's work queues (我的待办) with their counts."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]

    @extend_schema(summary="我的待办", tags=["待办"], responses={200: s.InboxQueueOutput(many=True), 401: ERRORS[401]},
                   description="当前用户各待办队列（待签收、待审核、已超期、待报送、线索待研判等）的数量，及其中本人事项的数量。")
    def get(self, request):
        """Every queue the caller has, counted in one query."""
        queues = work_queues(user=request.user)
        counts = queue_counts(queues)
        data = [{"key": q.key, "label": q.label, "count": counts.get(q.key, (0, 0))[0],
                 "own_count": counts.get(q.key, (0, 0))[1]} for q in queues]
        return Response(s.InboxQueueOutput(data, many=True).data)


class _LegacyDecisionView(APIView):
    """An endpoint of the first API version that chose among several actions by a field of its body.

    Kept so existing integrations keep working; it validates its old input and runs the chosen action of the table.
    """

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer]
    legacy_input: type
    legacy_field = ""

    def get_serializer_class(self):
        return self.legacy_input

    def get_serializer(self, *args, **kwargs):
        return self.legacy_input(*args, context={"request": self.request}, **kwargs)

    def choose(self, data: dict) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        problem = access_problem(request.user, pk)
        data = dict(validated(self.legacy_input, request))
        code = self.choose(data)
        data.pop(self.legacy_field)
        allowed = PROBLEM_ACTIONS.parameters(code)
        PROBLEM_ACTIONS.run(code, actor=request.user, target=problem,
                            data={k: v for k, v in data.items() if k in allowed})
        problem.refresh_from_db()
        return _respond(request, problem)


class LegacyReviewView(_LegacyDecisionView):
    legacy_input, legacy_field = s.ReviewInput, "decision"

    @extend_schema(summary="审核（旧接口）", tags=[PROBLEMS_TAG], request=s.ReviewInput, responses=ACTION_RESPONSES,
                   deprecated=True, description="请改用 approve/、approve-stage/、reject/ 三个接口。")
    def post(self, request, pk):
        return super().post(request, pk)

    def choose(self, data):
        return data["decision"]


class LegacyDecideExtensionView(_LegacyDecisionView):
    legacy_input, legacy_field = s.DecideExtensionInput, "approve"

    @extend_schema(summary="审批延期（旧接口）", tags=[PROBLEMS_TAG], request=s.DecideExtensionInput,
                   responses=ACTION_RESPONSES, deprecated=True,
                   description="请改用 approve-extension/ 和 reject-extension/ 两个接口。")
    def post(self, request, pk):
        return super().post(request, pk)

    def choose(self, data):
        return Action.APPROVE_EXTENSION if data["approve"] else Action.REJECT_EXTENSION


router = SimpleRouter()
router.register("problems", ProblemViewSet, basename="problem")

# Mounted under /api/ by qingshan.api.urls (the one API of every app).
urlpatterns = [
    *router.urls,
    *action_urls(PROBLEM_ACTIONS, prefix="problems", fetch=access_problem, respond=_respond,
                 responses=ACTION_RESPONSES, tag=PROBLEMS_TAG, url_name_prefix="problem"),
    path("problems/<int:pk>/review/", LegacyReviewView.as_view(), name="problem-review"),
    path("problems/<int:pk>/decide-extension/", LegacyDecideExtensionView.as_view(), name="problem-decide-extension"),
    path("attachments/<int:pk>/download/", AttachmentDownloadView.as_view(), name="attachment-download"),
    path("inbox/", InboxView.as_view(), name="inbox"),
]
