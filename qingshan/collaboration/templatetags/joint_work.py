"""`{% joint_work_panel problem %}`: on a problem's page, the joint inspection it came from, its transfers to
partner bodies and the joint interviews that discussed it, for the viewer only. A tag, so the problems app needs no
import of ours."""
from django import template

from ..selectors import joint_work_for_problem

register = template.Library()


@register.inclusion_tag("collaboration/_joint_work_panel.html", takes_context=True)
def joint_work_panel(context, problem):
    return {"joint": joint_work_for_problem(user=context.request.user, problem_id=problem.pk)}
