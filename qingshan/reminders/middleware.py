"""Opening an item's page reads the visitor's reminders of it: a reminder asks the person to look at the item, and
having looked is what "read" means. Only the pages that kinds declare (`DeadlineKind.page`) are looked at, so every
other page costs nothing; a partial (htmx) request is not an opening."""
import functools

from qingshan.core.deadlines import deadline_kinds

from .services import notifications_read_on_open


@functools.cache
def item_pages() -> frozenset[str]:
    """URL names of the pages that show a watched item."""
    return frozenset(kind.page for kind in deadline_kinds() if kind.page)


class ReadOnOpenMiddleware:
    """Marks the visitor's unread reminders whose link is this page as read, before the page counts them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (request.method == "GET" and match is not None and match.view_name in item_pages()
                and request.headers.get("HX-Request") != "true" and request.user.is_authenticated):
            notifications_read_on_open(actor=request.user, path=request.path)
        return None
