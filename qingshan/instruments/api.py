"""The instruments API under /api/instruments/: list, detail, draft, and one POST endpoint per action of the table
(qingshan.api.actions). Thin: access decides what a caller sees, the services what a caller may do."""
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from qingshan.access.instruments import access_instrument
from qingshan.api.actions import action_urls, validated
from qingshan.api.errors import ErrorOutput
from qingshan.api.parsers import JSONParser
from qingshan.core.errors import NotFound, ServiceError
from qingshan.orgs.models import Organisation

from . import selectors, services
from . import serializers as s
from .transitions import INSTRUMENT_ACTIONS

TAG = "文书"
ERRORS = {
    400: OpenApiResponse(ErrorOutput, description="输入有误或当前状态不允许该操作（未作任何更改）"),
    403: OpenApiResponse(ErrorOutput, description="您无权执行该操作（未作任何更改）"),
    404: OpenApiResponse(ErrorOutput, description="文书不存在，或您无权查看"),
}


def _detail(request, instrument) -> dict:
    context = {"allowed_actions": services.allowed_actions(request.user, instrument)}
    return s.InstrumentDetailOutput(instrument, context=context).data


def _respond(request, instrument) -> Response:
    try:
        return Response(_detail(request, selectors.instrument_detail(user=request.user, pk=instrument.pk)))
    except NotFound:
        return Response({"id": instrument.pk, "state": instrument.state})


class InstrumentListView(APIView):
    """GET: the caller's visible instruments; POST: draft one."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    renderer_classes = [JSONRenderer]
    serializer_class = s.InstrumentCreateInput

    @extend_schema(summary="文书列表", tags=[TAG], responses={200: s.InstrumentOutput(many=True), **ERRORS},
                   description="您有权查看的文书，可按 kind、state、recipient、kpi、q 筛选，分页返回。")
    def get(self, request):
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.instrument_list(user=request.user, params=request.query_params),
                                           request, view=self)
        return paginator.get_paginated_response(s.InstrumentOutput(page, many=True).data)

    @extend_schema(summary="起草文书", tags=[TAG], request=s.InstrumentCreateInput,
                   responses={201: s.InstrumentDetailOutput, **ERRORS})
    def post(self, request):
        data = dict(validated(s.InstrumentCreateInput, request))
        recipient = Organisation.objects.filter(pk=data.pop("recipient_id")).first()
        if recipient is None:
            raise ServiceError("主送单位不存在。", field="recipient_id")
        instrument = services.instrument_create(actor=request.user, recipient=recipient, **data)
        return Response(_detail(request, selectors.instrument_detail(user=request.user, pk=instrument.pk)),
                        status=status.HTTP_201_CREATED)


class InstrumentDetailView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]

    @extend_schema(summary="文书详情", tags=[TAG], responses={200: s.InstrumentDetailOutput, **ERRORS},
                   description="文书详情与当前用户可执行的操作；内部意见不通过接口提供给主送单位。")
    def get(self, request, pk):
        return Response(_detail(request, selectors.instrument_detail(user=request.user, pk=pk)))


urlpatterns = [
    path("instruments/", InstrumentListView.as_view(), name="instrument-list"),
    path("instruments/<int:pk>/", InstrumentDetailView.as_view(), name="instrument-detail"),
    *action_urls(INSTRUMENT_ACTIONS, prefix="instruments", fetch=access_instrument, respond=_respond,
                 responses={200: s.InstrumentDetailOutput, **ERRORS}, tag=TAG, url_name_prefix="instrument"),
]
