"""The rectification API (plug-in of qingshan.api): the items a caller may see, one item with the actions allowed
now, and one POST endpoint per rule of the action table (`/api/rectification/items/{id}/<action>/`)."""
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from qingshan.access.rectification import access_item
from qingshan.api.actions import action_urls
from qingshan.api.errors import ErrorOutput

from . import selectors, services
from . import serializers as s
from .transitions import ITEM_ACTIONS

TAG = "督察整改"
ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


class RectItemDetailOutput(s.RectItemOutput):
    allowed_actions = serializers.ListField(child=serializers.DictField())


def _detail(request, item) -> dict:
    allowed = [{"action": code, "label": ITEM_ACTIONS[code].label,
                "endpoint": reverse(f"api:rectification-item-{ITEM_ACTIONS[code].path}", kwargs={"pk": item.pk})}
               for code in services.allowed_actions(request.user, item)]
    data = dict(s.RectItemOutput(item).data)
    data["allowed_actions"] = allowed
    return data


def _respond(request, item) -> Response:
    try:
        fresh = selectors.item_detail(user=request.user, pk=item.pk)
    except Exception:  # noqa: BLE001 -- the caller may no longer see it
        return Response({"id": item.pk, "state": item.state})
    return Response(_detail(request, fresh))


class Pagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class ItemListView(APIView):
    """整改清单: the items the caller may see (filters: campaign, state, warning, lead_unit, kpi, q)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: s.RectItemOutput(many=True)}, summary="整改清单")
    def get(self, request):
        items = selectors.item_list(user=request.user, params=request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(s.RectItemOutput(page, many=True).data)


class ItemDetailView(APIView):
    """One item, with the actions the caller may take now and their endpoints."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], responses={200: RectItemDetailOutput, **ERRORS}, summary="整改事项详情")
    def get(self, request, pk):
        return Response(_detail(request, selectors.item_detail(user=request.user, pk=pk)))


urlpatterns = [
    path("rectification/items/", ItemListView.as_view(), name="rectification-items"),
    path("rectification/items/<int:pk>/", ItemDetailView.as_view(), name="rectification-item"),
    *action_urls(ITEM_ACTIONS, prefix="rectification/items", fetch=access_item, respond=_respond,
                 responses={200: RectItemDetailOutput, **ERRORS}, tag=TAG, url_name_prefix="rectification-item"),
]
