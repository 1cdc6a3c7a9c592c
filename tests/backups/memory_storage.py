"""A storage with no local path, as S3's: what a backup must read uploads through, and a restore write them back
into, without knowing it is not a folder."""

import os

from django.core.files.storage import InMemoryStorage
from django.utils._os import safe_join


class NoPathStorage(InMemoryStorage):
    """Django's in-memory storage (one instance per STORAGES setting: a new setting starts it empty) without the
    local path InMemoryStorage makes up from MEDIA_ROOT: `path()` raises NotImplementedError, like S3's."""

    def path(self, name):
        raise NotImplementedError("This storage has no local paths.")

    def _relative_path(self, name):  # InMemoryStorage's own name resolution, which went through path()
        return os.path.relpath(safe_join(self.location, name), self.location)
