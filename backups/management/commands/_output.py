"""Shared wording for the backup commands."""


def human_size(size: int | None) -> str:
    size = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def summary(backup) -> str:
    when = backup.created_at.strftime("%Y-%m-%dT%H:%MZ")
    return f"backup {when}: {backup.file_count} files, {human_size(backup.size_bytes)}, verified ({backup.filename})"
