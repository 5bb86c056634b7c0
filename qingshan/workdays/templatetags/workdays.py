"""Template helpers: the provisional-calendar mark on deadlines, and the administrators' next-year notice."""
from django import template
from django.utils import timezone
from django.utils.html import format_html

from ..calendar import is_provisional
from ..services import may_enter_calendar, missing_message, next_year_missing

register = template.Library()


@register.filter
def provisional_mark(day):
    """A badge after a deadline that falls in a provisional year: counted, but not yet confirmed by the notice."""
    if not is_provisional(day):
        return ""
    return format_html('<span class="badge text-bg-warning qs-provisional" title="{}">暂定日历</span>',
                       f"{day.year}年的节假日安排为暂定，国务院办公厅通知发布后可能调整，此期限须届时核对。")


@register.inclusion_tag("workdays/next_year_notice.html", takes_context=True)
def next_year_notice(context):
    """From November, administrators are told when next year's arrangement is missing or only provisional."""
    request = context.get("request")
    user = getattr(request, "user", None)
    year = next_year_missing(timezone.localdate()) if may_enter_calendar(user) else None
    return {"year": year, "message": missing_message(year) if year else ""}
