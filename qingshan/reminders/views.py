"""Pages of 提醒督办: the personal inbox and the delivery failures page. Views parse, call, render."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from qingshan.access.reminders import access_notification, can_manage_deliveries, visible_deliveries
from qingshan.core.errors import NotFound, ServiceError

from . import selectors, services
from .forms import InboxFilterForm, SnoozeForm
from .models import Delivery

PAGE_SIZE = 30


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _notification_or_404(request, pk):
    try:
        return access_notification(request.user, pk)
    except NotFound as exc:
        raise Http404("未找到该提醒。") from exc


FILTER_KEYS = ("tab", "stage", "kind", "unit", "group")


def _filter_form(data, summary: selectors.InboxSummary) -> InboxFilterForm:
    return InboxFilterForm(data, tabs=selectors.TABS, kinds=selectors.inbox_kinds(), units=summary.units,
                           groups=selectors.GROUPS)


class _CountedPaginator(Paginator):
    """A paginator told its count (`InboxSummary.count`) instead of running a COUNT of the list."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


def _querystring(data) -> str:
    """The inbox's filters from `data` (the page's GET, or the hidden fields of a form on it), as a query string."""
    return urlencode([(key, data[key]) for key in FILTER_KEYS if data.get(key)])


def _hidden_filters(filters) -> str:
    """The filters as hidden fields, rendered once for every form of the page (30 rows carry two forms each)."""
    return format_html_join("", '<input type="hidden" name="{}" value="{}">',
                            ((key, value) for key, value in filters.items() if value))


def _back(request):
    return redirect(f"{reverse('reminders:inbox')}?{_querystring(request.POST) or 'tab=unread'}")


def _row(request, notification, form=None, error=None):
    notification.refresh_from_db()
    selectors.with_titles([notification.reminder], user=request.user)
    return render(request, "reminders/_row.html", {
        "n": notification, "form": form or SnoozeForm(), "error": error, "today": timezone.localdate(),
        "tab": request.POST.get("tab") or "unread",
        "hidden_filters": _hidden_filters({k: request.POST.get(k) for k in FILTER_KEYS}),
        "oob_count": selectors.badge_label(selectors.unread_count(user=request.user, cap=selectors.BADGE_CAP)),
    })


@login_required
def inbox_view(request):
    """提醒: tabs 未读/已读/全部/已暂缓, filters by colour, kind and unit, grouping by colour or unit; one row per
    reminder with its stage colour."""
    kinds = selectors.notification_kinds(user=request.user)
    summary = selectors.inbox_summary(user=request.user, kinds=kinds)
    # The navigation bar's badge from the same pass (the context processor would check every unread one again).
    request.reminders_unread = min(summary.unread, selectors.BADGE_CAP + 1)
    form = _filter_form(request.GET, summary)
    filters = form.filters()
    if form.is_bound and request.GET and not form.is_valid():
        messages.error(request, "筛选条件有误，已显示全部未读提醒。")
    page = _CountedPaginator(selectors.notification_list(user=request.user, kinds=kinds, **filters), PAGE_SIZE,
                             count=summary.count(**filters)).get_page(request.GET.get("page"))
    selectors.with_titles([n.reminder for n in page], user=request.user)
    return render(request, "reminders/inbox.html", {
        "nav": "reminders", "tabs": selectors.TABS, "tab": filters["tab"], "filters": filters, "filter_form": form,
        "hidden_filters": _hidden_filters(filters), "querystring": _querystring(filters), "items": page,
        "form": SnoozeForm(), "today": timezone.localdate(),
        "can_manage": can_manage_deliveries(request.user), "groups": selectors.GROUPS,
    })


@login_required
@require_POST
def mark_all_read_view(request):
    """全部标为已读: every unread reminder the inbox shows with the filters it was posted with."""
    kinds = selectors.notification_kinds(user=request.user)
    form = _filter_form(request.POST, selectors.inbox_summary(user=request.user, kinds=kinds))
    if not form.is_valid():
        messages.error(request, "筛选条件有误，未作任何更改。")
        return _back(request)
    filters = {**form.filters(), "group": ""}
    count = services.notifications_mark_all_read(
        actor=request.user, notifications=selectors.notification_list(user=request.user, kinds=kinds, **filters))
    messages.success(request, f"已将 {count} 条提醒标为已读。" if count else "没有需要标为已读的提醒。")
    return _back(request)


@login_required
@require_POST
def mark_read_view(request, pk):
    """标为已读."""
    notification = _notification_or_404(request, pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if _htmx(request):
        return _row(request, notification)
    messages.success(request, "已标为已读。")
    return _back(request)


@login_required
@require_POST
def snooze_view(request, pk):
    """暂缓 until a date, with a reason."""
    notification = _notification_or_404(request, pk)
    form = SnoozeForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.notification_snooze(actor=request.user, notification=notification,
                                         until=form.cleaned_data["until"], reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            error = exc.message
    else:
        error = next(iter(form.errors.values()))[0]
    if _htmx(request):
        return _row(request, notification, form if error else None, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"已暂缓至 {form.cleaned_data['until']:%Y-%m-%d}。")
    return _back(request)


@login_required
def deliveries_view(request):
    """发送失败: failed and retrying deliveries, for the commission's leaders and office heads."""
    if not can_manage_deliveries(request.user):
        raise PermissionDenied("只有委领导或部室负责人可以查看发送记录。")
    page = Paginator(selectors.delivery_failures(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    # A record about an item this admin may not see (restricted, out of scope) names the kind of deadline only.
    selectors.with_titles([d.reminder for d in page if d.reminder_id], user=request.user)
    return render(request, "reminders/deliveries.html", {"nav": "reminders", "items": page})


@login_required
@require_POST
def retry_view(request, pk):
    """重新发送 one failed delivery."""
    try:
        delivery = visible_deliveries(request.user).get(pk=pk)
    except (Delivery.DoesNotExist, ValueError) as exc:
        raise Http404("未找到该发送记录。") from exc
    try:
        services.delivery_retry(actor=request.user, delivery=delivery)
        messages.success(request, f"已重新发送：{delivery}。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("reminders:deliveries")
