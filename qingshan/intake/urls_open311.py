"""Open311 GeoReport v2 endpoints, mounted at /open311/v2/ (format by extension: .json or .xml)."""
from django.urls import re_path

from . import open311

FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    re_path(r"^services" + FMT, open311.services_view, name="open311-services"),
    re_path(r"^services/(?P<code>[\w-]+)" + FMT, open311.service_definition_view, name="open311-service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="open311-requests"),
    re_path(r"^requests/(?P<number>[\w-]+)" + FMT, open311.request_view, name="open311-request"),
]
