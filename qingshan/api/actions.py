"""One generic API endpoint per aggregate: `POST /api/<prefix>/{id}/<action>/` for every rule of its action table.

The endpoint fetches the object through the aggregate's access function (an id the caller may not see is 404,
like a missing one), validates the body with the rule's input serializer, runs the rule's service through the
table, and answers with what the aggregate's `respond` renders. Its OpenAPI operation (summary, input, the states
it may be taken from) is read from the same rule, so the documentation cannot drift from the table either.
"""
from collections.abc import Callable

from django.urls import path
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from qingshan.api.parsers import JSONParser
from qingshan.core.actions import ActionRule, ActionTable

from .errors import InputInvalid, first_error


class EmptyInput(serializers.Serializer):
    """An action that takes no input."""


def validated(serializer_class, request) -> dict:
    """The request's data checked by `serializer_class`, or InputInvalid naming the first bad field in Chinese."""
    serializer = serializer_class(data=request.data, context={"request": request})
    if not serializer.is_valid():
        labels = {name: field.label for name, field in serializer.fields.items()}
        field, message = first_error(serializer.errors, labels)
        raise InputInvalid(message, field=field, errors=serializer.errors)
    return serializer.validated_data


class ActionSchema(AutoSchema):
    """The OpenAPI operation of one action endpoint, read from its rule."""

    def get_request_serializer(self):
        return self.view.rule.api_input or EmptyInput

    def get_response_serializers(self):
        return self.view.responses

    def get_summary(self):
        return self.view.rule.label

    def get_description(self):
        rule, table = self.view.rule, self.view.table
        states = "、".join(table.state_label(s) for s in sorted(rule.from_states, key=list(table.state_labels).index))
        moves = f"，执行后状态变为“{table.state_label(rule.to_state)}”" if rule.to_state else ""
        return f"{rule.label}。可执行的状态：{states}{moves}。无权或状态不允许时拒绝并说明原因，不作任何更改。"

    def get_tags(self):
        return [self.view.tag]

    def get_operation_id(self):
        return f"{self.view.url_name_prefix}_{self.view.rule.code}"


class ActionEndpoint(APIView):
    """POST one action of an aggregate's table (configured per rule through `as_view`)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    renderer_classes = [JSONRenderer]
    schema = ActionSchema()
    # Set per rule by action_urls():
    table: ActionTable | None = None
    rule: ActionRule | None = None
    fetch: Callable | None = None  # (user, pk) -> the object, or NotFound
    respond: Callable | None = None  # (request, object) -> Response
    responses: dict | None = None
    tag = ""
    url_name_prefix = ""

    def get_serializer_class(self):
        """The rule's input (also what an OPTIONS request describes)."""
        return self.rule.api_input or EmptyInput

    def get_serializer(self, *args, **kwargs):
        """For OPTIONS: DRF's metadata describes the fields of the input serializer."""
        return self.get_serializer_class()(*args, context={"request": self.request}, **kwargs)

    def post(self, request, pk):
        target = self.fetch(request.user, pk)
        data = validated(self.get_serializer_class(), request)
        self.table.run(self.rule.code, actor=request.user, target=target, data=data)
        target.refresh_from_db()  # the service changed its own locked copy
        return self.respond(request, target)


def action_urls(table: ActionTable, *, prefix: str, fetch: Callable, respond: Callable, responses: dict, tag: str,
                url_name_prefix: str) -> list:
    """One URL per rule of `table`, all served by ActionEndpoint: `<prefix>/<int:pk>/<rule.path>/`."""
    return [
        path(f"{prefix}/<int:pk>/{rule.path}/",
             ActionEndpoint.as_view(table=table, rule=rule, fetch=fetch, respond=respond, responses=responses,
                                    tag=tag, url_name_prefix=url_name_prefix),
             name=f"{url_name_prefix}-{rule.path}")
        for rule in table
    ]
