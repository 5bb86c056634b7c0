"""Web pages of the work loop (stubs, being built)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def inbox_view(request):
    return HttpResponse("我的待办")


@login_required
def problem_list_view(request):
    return HttpResponse("问题清单")


@login_required
def problem_create_view(request):
    return HttpResponse("登记问题")


@login_required
def problem_detail_view(request, pk):
    return HttpResponse("问题详情")
