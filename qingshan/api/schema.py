"""OpenAPI schema hooks."""


def only_api_paths(endpoints):
    """Document the one API under /api/; older paths that still answer elsewhere are left out of the schema."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
