"""File sizes in words for people ("25 MB", not "26214400 bytes"), for the API's messages."""


def readable_size(size: int) -> str:
    """`size` bytes as MB (1 MB = 1,048,576 bytes), KB or bytes, with at most one decimal: "25 MB", "1.5 MB"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"
