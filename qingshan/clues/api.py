"""The clue API (plug-in of qingshan.api): read only, for the handling circle. Both endpoints read through
access/clues.py, so the hard block holds here as on the pages: a blocked or outside caller gets the same 404 as for
a missing id, and the list never shows the clue or counts it."""
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from qingshan.api.errors import ErrorOutput
from qingshan.core.paging import BoundedPaginator

from . import selectors
from . import serializers as s
from .choices import Source, State

TAG = "问题线索"
FILTERS = [
    OpenApiParameter("state", str, enum=State.values, description="状态"),
    OpenApiParameter("source", str, enum=Source.values, description="来源"),
    OpenApiParameter("kpi", str, enum=list(selectors.KPI_CONDITIONS), description="统计口径（线索统计页的链接）"),
    OpenApiParameter("q", str, description="线索编号、收件号或被反映人"),
]


class Pagination(PageNumberPagination):
    """50 a page (up to 200 with `page_size`). The total is counted only up to COUNT_BOUND, as on the list page:
    counting every visible clue of a commission on each call costs more than the page itself. `count_is_bounded`
    says there are more than `count`; pages past the bound are not offered (narrow with the filters instead)."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    django_paginator_class = BoundedPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response({"count": paginator.count, "count_is_bounded": paginator.is_bounded,
                         "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})


# The answer's shape as Pagination writes it (an APIView gets no pagination in the schema by itself).
CLUE_PAGE = inline_serializer(name="CluePage", fields={
    "count": serializers.IntegerField(help_text="总数；count_is_bounded 为 true 时为计数上限，实际更多"),
    "count_is_bounded": serializers.BooleanField(help_text="总数是否只计到上限（实际多于 count）"),
    "next": serializers.URLField(allow_null=True, help_text="下一页链接"),
    "previous": serializers.URLField(allow_null=True, help_text="上一页链接"),
    "results": s.ClueOutput(many=True),
})


def _no_store(response: Response) -> Response:
    """Confidential answers must not stay in a proxy's cache."""
    response["Cache-Control"] = "private, no-store"
    return response


class ClueListView(APIView):
    """线索清单: the clues of the caller's handling circle, less the hard block; reporters masked."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], parameters=FILTERS, responses={200: CLUE_PAGE}, summary="线索清单",
                   operation_id="clues_list")
    def get(self, request):
        clues = selectors.clue_list(user=request.user, params=request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(clues, request, view=self)
        return _no_store(paginator.get_paginated_response(s.ClueOutput(page, many=True).data))


class ClueDetailView(APIView):
    """One clue with its letters; 404 exactly as for a missing id when the caller may not see it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: s.ClueDetailOutput, 404: ErrorOutput}, summary="线索详情")
    def get(self, request, pk):
        clue = selectors.clue_detail(user=request.user, pk=pk)
        return _no_store(Response(s.ClueDetailOutput(clue).data))


urlpatterns = [
    path("clues/", ClueListView.as_view(), name="clues"),
    path("clues/<int:pk>/", ClueDetailView.as_view(), name="clue"),
]
