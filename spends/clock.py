"""The one place the app asks what day it is (UTC). Tests pin it with time-machine."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()
