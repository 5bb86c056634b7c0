"""The joint-work API (plug-in of qingshan.api): read only. Joint inspections, joint interviews and transfers to
partner bodies, each read through access/collaboration.py exactly as the pages read them: a body outside gets an
empty list and, for any id, the same 404 as for a missing one. A partner body reads of a transfer only what was
copied for it at sending (never the problem itself); a problem named inside an inspection or interview is shown only
to those who may see that problem."""
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from qingshan.api.errors import ErrorOutput

from . import selectors

TAG = "联动协作"


class Pagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def _no_store(response: Response) -> Response:
    response["Cache-Control"] = "private, no-store"
    return response


class ProblemRef(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


# ---------------------------------------------------------------- 协同监督检查


class InspectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="检查名称")
    led_by = serializers.CharField(source="led_by.name", help_text="牵头单位")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")


class FindingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="发现问题")
    description = serializers.CharField()
    category = serializers.CharField(source="category.name")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    recorded_at = serializers.DateTimeField()
    reason = serializers.CharField(help_text="不予立项理由")
    problem = ProblemRef(source="visible_problem", allow_null=True, help_text="立项问题（调用者可查看时）")


class SiteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="检查点位")
    address = serializers.CharField()
    region = serializers.CharField(source="region.name")
    team = serializers.CharField(source="team.name")
    visit_on = serializers.DateField()
    findings = FindingOutput(source="finding_list", many=True)


class TeamOutput(serializers.Serializer):
    name = serializers.CharField()
    leader = serializers.CharField(source="leader.get_full_name")
    members = serializers.SerializerMethodField()

    def get_members(self, team) -> list[str]:
        return [m.get_full_name() or m.username for m in team.members.all()]


class InspectionDetailOutput(InspectionOutput):
    scope = serializers.CharField(help_text="检查内容")
    summary = serializers.CharField(help_text="检查总结")
    participants = serializers.SerializerMethodField(help_text="参加单位")
    teams = TeamOutput(source="team_list", many=True)
    sites = SiteOutput(source="site_list", many=True)

    def get_participants(self, inspection) -> list[str]:
        return [org.name for org in inspection.participant_list]


class InspectionListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: InspectionOutput(many=True)}, summary="协同监督检查清单")
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.inspection_list(user=request.user), request, view=self)
        return _no_store(paginator.get_paginated_response(InspectionOutput(page, many=True).data))


class InspectionDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: InspectionDetailOutput, 404: ErrorOutput}, summary="协同监督检查详情")
    def get(self, request, pk):
        inspection = selectors.inspection_detail(user=request.user, pk=pk)
        return _no_store(Response(InspectionDetailOutput(inspection).data))


# ---------------------------------------------------------------- 联合约谈


class InterviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="约谈事由")
    led_by = serializers.CharField(source="led_by.name", help_text="牵头单位")
    held_on = serializers.DateField()
    place = serializers.CharField()


class PartyOutput(serializers.Serializer):
    side = serializers.CharField()
    side_label = serializers.CharField(source="get_side_display")
    organisation = serializers.CharField(source="organisation.name")
    person = serializers.CharField()
    post = serializers.CharField()


class CommitmentOutput(serializers.Serializer):
    text = serializers.CharField(help_text="整改承诺")
    way = serializers.CharField()
    way_label = serializers.CharField(source="get_way_display")
    deadline = serializers.DateField()
    problem_number = serializers.CharField(help_text="涉及问题编号（调用者可查看时）")
    task_assignee = serializers.CharField(source="task.assignee.name", allow_null=True, default=None)
    task_state = serializers.CharField(source="task.state", allow_null=True, default=None)


class InterviewDetailOutput(InterviewOutput):
    record = serializers.CharField(help_text="约谈记录")
    parties = PartyOutput(source="party_list", many=True)
    problems = ProblemRef(source="problem_list", many=True, help_text="涉及问题（调用者可查看的）")
    commitments = CommitmentOutput(source="commitment_list", many=True)


class InterviewListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: InterviewOutput(many=True)}, summary="联合约谈清单")
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.interview_list(user=request.user), request, view=self)
        return _no_store(paginator.get_paginated_response(InterviewOutput(page, many=True).data))


class InterviewDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: InterviewDetailOutput, 404: ErrorOutput}, summary="联合约谈详情")
    def get(self, request, pk):
        return _no_store(Response(InterviewDetailOutput(selectors.interview_detail(user=request.user, pk=pk)).data))


# ---------------------------------------------------------------- 移送协作单位


class PartnerTransferOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="移送时的问题编号")
    partner = serializers.CharField(source="partner.name", help_text="协作单位")
    sender_org = serializers.CharField(source="sender_org.name", help_text="移送单位")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    sent_at = serializers.DateTimeField()
    feedback_deadline = serializers.DateField()


class PartnerTransferDetailOutput(PartnerTransferOutput):
    shared = serializers.DictField(child=serializers.CharField(), help_text="移送内容（移送时选定的字段副本）")
    request = serializers.CharField(help_text="移送事项")
    signed_at = serializers.DateTimeField(allow_null=True)
    result = serializers.CharField(help_text="办理结果")
    returned_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True)
    review = serializers.CharField(help_text="审核意见")
    urge_count = serializers.IntegerField()


class PartnerTransferListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: PartnerTransferOutput(many=True)}, summary="移送协作单位清单")
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.partner_transfer_list(user=request.user), request, view=self)
        return _no_store(paginator.get_paginated_response(PartnerTransferOutput(page, many=True).data))


class PartnerTransferDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: PartnerTransferDetailOutput, 404: ErrorOutput},
                   summary="移送协作单位详情")
    def get(self, request, pk):
        transfer = selectors.partner_transfer_detail(user=request.user, pk=pk)
        return _no_store(Response(PartnerTransferDetailOutput(transfer).data))


urlpatterns = [
    path("collaboration/inspections/", InspectionListView.as_view(), name="collaboration-inspections"),
    path("collaboration/inspections/<str:pk>/", InspectionDetailView.as_view(), name="collaboration-inspection"),
    path("collaboration/interviews/", InterviewListView.as_view(), name="collaboration-interviews"),
    path("collaboration/interviews/<str:pk>/", InterviewDetailView.as_view(), name="collaboration-interview"),
    path("collaboration/partner-transfers/", PartnerTransferListView.as_view(), name="collaboration-transfers"),
    path("collaboration/partner-transfers/<str:pk>/", PartnerTransferDetailView.as_view(),
         name="collaboration-transfer"),
]
