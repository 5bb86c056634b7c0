"""联动协作's queue of 我的待办 (contract in core/worklist.py): 会商 decisions the person's body must carry out."""
from qingshan.access.collaboration import assigned_tasks
from qingshan.core.worklist import WorkQueue

from .choices import TaskState


def _open_tasks(user, shared):
    tasks = assigned_tasks(user)
    if not tasks.exists():
        return None
    return tasks.filter(state=TaskState.OPEN).select_related("consultation", "interview", "assignee")


QUEUES = [WorkQueue(key="consultation_tasks", label="会商决定事项", order=450, items=_open_tasks,
                    ordering=("deadline", "pk"), rows_template="collaboration/_worklist_rows.html")]
