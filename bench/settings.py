"""The production settings plus one bench-only URL (the framework floor). Used only by `python -m bench.run`."""

from spends.settings import *  # noqa: F403 - the very same settings, read from the same environment

ROOT_URLCONF = "bench.urls"
