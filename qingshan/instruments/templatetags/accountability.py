"""`{% accountability_panel problem %}`: the accountability records behind a problem, on the problem's page, for the
viewer only (scoped by the access module; a unit sees none). A tag, so the problems app needs no import of ours."""
from django import template

from ..selectors import accountability_for_problem

register = template.Library()


@register.inclusion_tag("instruments/_accountability_panel.html", takes_context=True)
def accountability_panel(context, problem):
    return {"accountability": accountability_for_problem(user=context.request.user, problem_id=problem.pk)}
