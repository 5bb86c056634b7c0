"""Query parameters as the list pages and the API receive them."""
from typing import Any

from django.http import QueryDict


def without_blanks(params: Any) -> QueryDict:  # a QueryDict, a plain mapping or None
    """Drop empty values: a form's "全部" option sends `state=`, which means no filter, not an invalid state."""
    cleaned = QueryDict(mutable=True)
    for key, values in (params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in (params or {}).items())):
        kept = [v for v in values if v not in ("", None)]
        if kept:
            cleaned.setlist(key, kept)
    return cleaned
