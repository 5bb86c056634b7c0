"""The app's URLs plus the baseline: the smallest page the same stack can serve to a signed-in user."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


@login_required
def minimal_view(request):
    """Same middleware, session and user lookup as every page, one trivial response: the floor of the stack."""
    return HttpResponse(f"ok {request.user.pk}")


urlpatterns = [path("bench/minimal/", minimal_view), *app_urlpatterns]
