"""drf-spectacular hooks."""


def strip_optional_slash(result, generator, request, public):
    """Routes accept an optional trailing slash; the schema shows the canonical path, without one."""
    paths = {}
    for path, item in result.get("paths", {}).items():
        canonical = path.replace("/?", "").rstrip("/") or "/"
        paths[canonical] = item
    result["paths"] = paths
    return result
