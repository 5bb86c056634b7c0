"""OpenAPI schema hooks."""
import re

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def only_api_paths(endpoints):
    """Document the one API under /api/; older paths that still answer elsewhere are left out of the schema."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


def only_chinese_descriptions(result, generator, request, public):
    """The documentation is read by the integrating body's staff: a description with no Chinese in it is a view's
    or a field's docstring, written for developers of this code base, and is emptied (the Chinese summary stays).
    """
    def clean(node):
        if isinstance(node, dict):
            if isinstance(node.get("description"), str) and not CHINESE.search(node["description"]):
                node["description"] = ""  # kept, empty: a response object must have one
            for value in node.values():
                clean(value)
        elif isinstance(node, list):
            for value in node:
                clean(value)

    clean(result)
    return result
