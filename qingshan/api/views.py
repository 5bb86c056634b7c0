"""The REST API: thin views that parse input, then call the problem selectors, the access rules and the services.

Nothing here decides who may do what: `access` decides what a caller sees (an id the caller may not see is 404,
exactly like a missing one) and the services decide what a caller may do, with their own Chinese messages.
"""
from django.http import FileResponse
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from qingshan.access.problems import access_attachment, access_problem, may_see_internal, reveal_problem_reporter
from qingshan.core.errors import NotFound
from qingshan.core.worklist import work_queues
from qingshan.problems import services
from qingshan.problems.choices import Action, State
from qingshan.problems.filters import ProblemFilter
from qingshan.problems.models import Problem
from qingshan.problems.selectors import (
    problem_detail,
    problem_list,
    problem_timeline,
    reporter_for_display,
)

from . import serializers as s
from .errors import InputInvalid, first_error

PROBLEMS_TAG = "问题"

# The endpoint (below /api/problems/{id}/) that performs each action of the transition table.
ACTION_ENDPOINTS = {
    Action.DISPATCH: "dispatch",
    Action.REASSIGN: "reassign",
    Action.SIGN: "sign",
    Action.RETURN: "return",
    Action.START: "start",
    Action.REQUEST_EXTENSION: "request-extension",
    Action.APPROVE_EXTENSION: "decide-extension",
    Action.REJECT_EXTENSION: "decide-extension",
    Action.REPLY: "reply",
    Action.APPROVE: "review",
    Action.APPROVE_STAGE: "review",
    Action.REJECT: "review",
    Action.REVISIT: "revisit",
    Action.URGE: "urge",
    Action.ESCALATE: "escalate",
    Action.MERGE: "merge",
    Action.SHARE: "share",
    Action.RESTRICT: "restrict",
}

ERRORS = {
    400: OpenApiResponse(s.ErrorOutput, description="输入有误或当前状态不允许该操作（未作任何更改）"),
    401: OpenApiResponse(s.ErrorOutput, description="未提供或提供了无效的身份凭证"),
    403: OpenApiResponse(s.ErrorOutput, description="您无权执行该操作（未作任何更改）"),
    404: OpenApiResponse(s.ErrorOutput, description="问题不存在，或您无权查看"),
}
ACTION_RESPONSES = {200: s.ActionResultOutput, **ERRORS}


class ProblemPagination(PageNumberPagination):
    """50 a page by default; an integration may ask for up to 200 with `page_size`."""

    page_size_query_param = "page_size"
    max_page_size = 200


class SelectorFilterBackend(DjangoFilterBackend):
    """Documents ProblemFilter's query parameters; the filtering itself is done once, by the selector."""

    def filter_queryset(self, request, queryset, view):
        """Return the queryset unchanged: `problem_list` already applied ProblemFilter."""
        return queryset


def _validated(serializer_class, request) -> dict:
    """The request's data checked by `serializer_class`, or InputInvalid naming the first bad field in Chinese."""
    serializer = serializer_class(data=request.data, context={"request": request})
    if not serializer.is_valid():
        labels = {name: field.label for name, field in serializer.fields.items()}
        field, message = first_error(serializer.errors, labels)
        raise InputInvalid(message, field=field, errors=serializer.errors)
    return serializer.validated_data


def _endpoint(problem_pk: int, action_code: str) -> str:
    return reverse(f"api:problem-{ACTION_ENDPOINTS[action_code]}", kwargs={"pk": problem_pk})


def _detail(request, problem: Problem) -> dict:
    """ProblemDetailOutput for the caller: the selectors decide the timeline and the (masked) reporter."""
    user = request.user
    context = {
        "request": request,
        "sees_internal": may_see_internal(user),
        "reporter": reporter_for_display(user=user, problem=problem),
        "allowed_actions": [
            {"action": code, "label": Action(code).label, "endpoint": _endpoint(problem.pk, code)}
            for code in services.allowed_actions(user, problem)
        ],
        "timeline": problem_timeline(user=user, problem=problem),
    }
    return s.ProblemDetailOutput(problem, context=context).data


def _result(request, problem: Problem) -> Response:
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
        "act_dispatch": s.DispatchInput,
        "act_reassign": s.ReassignInput,
        "act_sign": s.EmptyInput,
        "act_return": s.ReturnInput,
        "act_start": s.NoteInput,
        "act_request_extension": s.RequestExtensionInput,
        "act_decide_extension": s.DecideExtensionInput,
        "act_reply": s.ReplyMultipartInput,
        "act_review": s.ReviewInput,
        "act_revisit": s.RevisitInput,
        "act_urge": s.UrgeInput,
        "act_escalate": s.EscalateInput,
        "act_merge": s.MergeInput,
        "act_share": s.ShareInput,
        "act_restrict": s.RestrictInput,
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
        return self.input_serializers.get(action_name, s.EmptyInput)

    def _input(self, request) -> dict:
        return _validated(self.get_serializer_class(), request)

    def _act(self, request, pk, perform) -> Response:
        """Fetch the problem through access (404 if not visible), validate input, call the service, re-read."""
        problem = access_problem(request.user, pk)
        data = self._input(request)
        return _result(request, perform(problem, data))

    # ------------------------------------------------------------ list, create, detail

    @extend_schema(summary="问题列表", tags=[PROBLEMS_TAG], responses={200: s.ProblemListOutput(many=True), **ERRORS},
                   description="您有权查看的问题，可按下列条件筛选（与网页“问题清单”相同），分页返回，每页默认 50 条。")
    def list(self, request):
        """GET /api/problems/: the caller's visible problems, filtered by ProblemFilter."""
        queryset, filterset = problem_list(user=request.user, params=request.query_params)
        if not filterset.is_valid():
            labels = {name: f.label for name, f in filterset.filters.items()}
            field, message = first_error(filterset.errors, labels)
            raise InputInvalid(f"查询条件有误：{message}", field=field, errors=filterset.errors)
        page = self.paginate_queryset(queryset)
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

    # ------------------------------------------------------------ transitions

    @extend_schema(summary="交办", tags=[PROBLEMS_TAG], request=s.DispatchInput, responses=ACTION_RESPONSES,
                   description="将已登记或已退回的问题交办给主办单位（可含协办单位）。")
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def act_dispatch(self, request, pk=None):
        """POST /api/problems/{id}/dispatch/."""
        return self._act(request, pk, lambda p, d: services.problem_dispatch(
            actor=request.user, problem=p, lead_unit=d["lead_unit"], co_units=d["co_units"],
            handle_deadline=d["handle_deadline"], note=d["note"]))

    @extend_schema(summary="改派", tags=[PROBLEMS_TAG], request=s.ReassignInput, responses=ACTION_RESPONSES,
                   description="将单位办理中的问题改派给另一主办单位，期限重新计算。")
    @action(detail=True, methods=["post"], url_path="reassign", url_name="reassign")
    def act_reassign(self, request, pk=None):
        """POST /api/problems/{id}/reassign/."""
        return self._act(request, pk, lambda p, d: services.problem_reassign(
            actor=request.user, problem=p, lead_unit=d["lead_unit"], co_units=d["co_units"], reason=d["reason"],
            handle_deadline=d["handle_deadline"]))

    @extend_schema(summary="签收", tags=[PROBLEMS_TAG], request=None, responses=ACTION_RESPONSES,
                   description="主办单位签收已交办的问题；是否按时签收在此时确定。")
    @action(detail=True, methods=["post"], url_path="sign", url_name="sign")
    def act_sign(self, request, pk=None):
        """POST /api/problems/{id}/sign/."""
        return self._act(request, pk, lambda p, d: services.problem_sign(actor=request.user, problem=p))

    @extend_schema(summary="退回", tags=[PROBLEMS_TAG], request=s.ReturnInput, responses=ACTION_RESPONSES,
                   description="主办单位以不属于本单位职责为由退回问题（须说明依据），由督办人员改派。"
                               "退回后本单位不再能查看该问题，返回的 problem 为 null。")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def act_return(self, request, pk=None):
        """POST /api/problems/{id}/return/."""
        return self._act(request, pk, lambda p, d: services.problem_return(
            actor=request.user, problem=p, reason=d["reason"]))

    @extend_schema(summary="开始办理", tags=[PROBLEMS_TAG], request=s.NoteInput, responses=ACTION_RESPONSES,
                   description="主办单位开始办理已签收的问题。")
    @action(detail=True, methods=["post"], url_path="start", url_name="start")
    def act_start(self, request, pk=None):
        """POST /api/problems/{id}/start/."""
        return self._act(request, pk, lambda p, d: services.problem_start(
            actor=request.user, problem=p, note=d["note"]))

    @extend_schema(summary="申请延期", tags=[PROBLEMS_TAG], request=s.RequestExtensionInput,
                   responses=ACTION_RESPONSES, description="主办单位在办理期限届满前申请延期。")
    @action(detail=True, methods=["post"], url_path="request-extension", url_name="request-extension")
    def act_request_extension(self, request, pk=None):
        """POST /api/problems/{id}/request-extension/."""
        return self._act(request, pk, lambda p, d: services.problem_request_extension(
            actor=request.user, problem=p, requested_deadline=d["requested_deadline"], reason=d["reason"]).problem)

    @extend_schema(summary="审批延期", tags=[PROBLEMS_TAG], request=s.DecideExtensionInput,
                   responses=ACTION_RESPONSES, description="督办人员批准（可另定期限）或不予批准待审批的延期申请。")
    @action(detail=True, methods=["post"], url_path="decide-extension", url_name="decide-extension")
    def act_decide_extension(self, request, pk=None):
        """POST /api/problems/{id}/decide-extension/."""
        return self._act(request, pk, lambda p, d: services.problem_decide_extension(
            actor=request.user, problem=p, approve=d["approve"], reason=d["reason"], deadline=d["deadline"]).problem)

    @extend_schema(summary="申请办结", tags=[PROBLEMS_TAG], responses=ACTION_RESPONSES,
                   request={"multipart/form-data": s.ReplyMultipartInput, "application/json": s.ReplyInput},
                   description="主办单位填写办理情况并上传佐证材料（multipart/form-data，可多个 files），申请办结。")
    @action(detail=True, methods=["post"], url_path="reply", url_name="reply")
    def act_reply(self, request, pk=None):
        """POST /api/problems/{id}/reply/."""
        return self._act(request, pk, lambda p, d: services.problem_reply(
            actor=request.user, problem=p, text=d["text"], files=d["files"]))

    @extend_schema(summary="审核", tags=[PROBLEMS_TAG], request=s.ReviewInput, responses=ACTION_RESPONSES,
                   description="督办人员审核办结申请：通过办结、阶段性办结或发回重办（须写明理由）。")
    @action(detail=True, methods=["post"], url_path="review", url_name="review")
    def act_review(self, request, pk=None):
        """POST /api/problems/{id}/review/."""
        return self._act(request, pk, lambda p, d: services.problem_review(
            actor=request.user, problem=p, decision=d["decision"], comment=d["comment"], internal=d["internal"]))

    @extend_schema(summary="回访", tags=[PROBLEMS_TAG], request=s.RevisitInput, responses=ACTION_RESPONSES,
                   description="记录对已办结问题的回访结果（是否满意、是否解决）。")
    @action(detail=True, methods=["post"], url_path="revisit", url_name="revisit")
    def act_revisit(self, request, pk=None):
        """POST /api/problems/{id}/revisit/."""
        return self._act(request, pk, lambda p, d: services.problem_revisit(
            actor=request.user, problem=p, satisfied=d["satisfied"], resolved=d["resolved"], note=d["note"]))

    @extend_schema(summary="催办", tags=[PROBLEMS_TAG], request=s.UrgeInput, responses=ACTION_RESPONSES,
                   description="督办人员催办主办单位，计入催办次数。")
    @action(detail=True, methods=["post"], url_path="urge", url_name="urge")
    def act_urge(self, request, pk=None):
        """POST /api/problems/{id}/urge/."""
        return self._act(request, pk, lambda p, d: services.problem_urge(
            actor=request.user, problem=p, note=d["note"]))

    @extend_schema(summary="督办", tags=[PROBLEMS_TAG], request=s.EscalateInput, responses=ACTION_RESPONSES,
                   description="提高督办等级（蓝色、黄色、红色），只能提高。")
    @action(detail=True, methods=["post"], url_path="escalate", url_name="escalate")
    def act_escalate(self, request, pk=None):
        """POST /api/problems/{id}/escalate/."""
        return self._act(request, pk, lambda p, d: services.problem_escalate(
            actor=request.user, problem=p, level=d["level"], reason=d["reason"]))

    @extend_schema(summary="并单", tags=[PROBLEMS_TAG], request=s.MergeInput, responses=ACTION_RESPONSES,
                   description="将本问题作为重复件并入另一问题（主问题），两者互相关联。")
    @action(detail=True, methods=["post"], url_path="merge", url_name="merge")
    def act_merge(self, request, pk=None):
        """POST /api/problems/{id}/merge/."""
        return self._act(request, pk, lambda p, d: services.problem_merge(
            actor=request.user, duplicate=p, primary=d["primary"], reason=d["reason"]))

    @extend_schema(summary="移送协作单位", tags=[PROBLEMS_TAG], request=s.ShareInput, responses=ACTION_RESPONSES,
                   description="将问题移送协作单位，协作单位此后可查看该问题。")
    @action(detail=True, methods=["post"], url_path="share", url_name="share")
    def act_share(self, request, pk=None):
        """POST /api/problems/{id}/share/."""
        return self._act(request, pk, lambda p, d: services.problem_share(
            actor=request.user, problem=p, partner=d["partner"], reason=d["reason"]).problem)

    @extend_schema(summary="限定知悉范围", tags=[PROBLEMS_TAG], request=s.RestrictInput, responses=ACTION_RESPONSES,
                   description="将问题限定为指定人员可见（操作人始终在内）；传空列表则取消限定。")
    @action(detail=True, methods=["post"], url_path="restrict", url_name="restrict")
    def act_restrict(self, request, pk=None):
        """POST /api/problems/{id}/restrict/."""
        return self._act(request, pk, lambda p, d: services.problem_restrict(
            actor=request.user, problem=p, users=d["users"], reason=d["reason"]))

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
                                content_type=attachment.content_type)
        response["Cache-Control"] = "private, no-store"
        return response


class InboxView(APIView):
    """GET /api/inbox/: the caller's work queues (我的待办) with their counts."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]

    @extend_schema(summary="我的待办", tags=["待办"], responses={200: s.InboxQueueOutput(many=True), 401: ERRORS[401]},
                   description="当前用户各待办队列（待签收、待审核、已超期等）的数量。")
    def get(self, request):
        """One count per queue the caller has."""
        queues = work_queues(user=request.user)
        data = [{"key": q.key, "label": q.label, "count": q.queryset.count()} for q in queues]
        return Response(s.InboxQueueOutput(data, many=True).data)
