from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from qingshan.core.errors import ServiceError

from .models import CalendarYear, SpecialDay
from .notice import NoticeError, parse_notice
from .services import enter_arrangement, may_enter_calendar, missing_message, next_year_missing


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "is_provisional")
    change_list_template = "workdays/admin/calendaryear_changelist.html"

    def get_urls(self):
        return [path("from-notice/", self.admin_site.admin_view(self.from_notice_view),
                     name="workdays_calendaryear_from_notice")] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        year = next_year_missing(timezone.localdate())
        if year:
            messages.warning(request, missing_message(year))
        return super().changelist_view(request, extra_context)

    def from_notice_view(self, request):
        """Paste the notice, review what was read, then save: the save re-reads the same text, nothing else."""
        if not may_enter_calendar(request.user):
            raise PermissionDenied
        text = request.POST.get("text", "")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": "按国务院通知录入节假日安排", "text": text, "arrangement": None, "error": ""}
        if request.method == "POST":
            try:
                arrangement = parse_notice(text)
                if request.POST.get("confirm"):
                    saved = enter_arrangement(actor=request.user, arrangement=arrangement)
                    messages.success(request, f"已录入并确认{saved.year}年节假日安排（{saved.source}）。")
                    return redirect("admin:workdays_calendaryear_changelist")
                context["arrangement"] = arrangement
            except (NoticeError, ServiceError) as exc:
                context["error"] = str(exc)
        return TemplateResponse(request, "workdays/admin/from_notice.html", context)


@admin.register(SpecialDay)
class SpecialDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
