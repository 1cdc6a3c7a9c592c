"""Writes for notification channels: create, update, delete; the rules of a channel's target (checked on every
save) and how a target is shown (masked). Sending is reminders.delivery's job."""

import base64
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from reminders.choices import DEFAULT_EVENTS, ChannelKind, Event
from reminders.models import Channel
from spends import outbound

MASK = "****"


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (the signing key is the decoded bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def apprise_plugin(url: str):
    """Apprise's notifier for `url`, or None when Apprise cannot use it (unknown scheme, missing parts)."""
    import apprise  # loads every notifier (~1 s): only when a channel needs it, never at start-up

    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def target_clean(kind: str, target: str) -> str:
    """The target, trimmed, when it is valid for `kind`; raises ValidationError on `target` in plain words. A webhook
    URL is checked after DNS resolution (spends.outbound: https only except localhost; no private address unless
    WEBHOOK_ALLOW_PRIVATE; never link-local such as 169.254.169.254)."""
    target = (target or "").strip()
    if not target:
        raise ValidationError({"target": "This field may not be blank."})
    if kind == ChannelKind.EMAIL:
        try:
            validate_email(target)
        except ValidationError:
            raise ValidationError({"target": "Enter a valid email address."}) from None
    elif kind == ChannelKind.APPRISE:
        if apprise_plugin(target) is None:
            raise ValidationError(
                {"target": "Apprise cannot use this URL: check its scheme and parts (e.g. ntfys://ntfy.sh/my-topic)."}
            )
    else:
        try:
            outbound.resolve(target, allow_private=allow_private())
        except outbound.UnsafeURL as exc:
            raise ValidationError({"target": str(exc)}) from None
    return target


def _mask_part(value: str) -> str:
    return f"{value[0]}...{value[-1]}" if len(value) > 3 else MASK


def _masked_url(url: str) -> str:
    """A URL with its password, query values and long (token-like) path segments masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    path = "/".join(_mask_part(part) if len(part) >= 16 else part for part in parts.path.split("/"))
    query = urlencode([(name, MASK) for name, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def target_masked(channel: Channel) -> str:
    """The target as the API and the admin show it: an email address as is; Apprise's own privacy form of an Apprise
    URL (tokens shortened, passwords hidden); a webhook URL with its secrets masked."""
    if channel.kind == ChannelKind.EMAIL:
        return channel.target
    if channel.kind == ChannelKind.APPRISE:
        plugin = apprise_plugin(channel.target)
        if plugin is None:
            return MASK
        private = plugin.url(privacy=True)
        # Apprise lists every default option; show only those the user wrote.
        return private if "?" in channel.target else private.split("?", 1)[0]
    return _masked_url(channel.target)


def events_clean(events, *, user) -> list[str]:
    """Distinct known events, in the contract's order; backup.failed for a superuser's channel only."""
    if events is None:
        return list(DEFAULT_EVENTS)
    unknown = [event for event in events if event not in Event.values]
    if unknown:
        raise ValidationError({"events": f"Unknown event(s): {', '.join(map(str, unknown))}."})
    if Event.BACKUP_FAILED in events and not user.is_superuser:
        raise ValidationError({"events": "Only a superuser's channel can receive backup.failed."})
    return [event for event in Event.values if event in events]


def channel_create(*, user, kind: str, target: str, events: list[str] | None = None, enabled: bool = True) -> Channel:
    """A new channel of `user`. A webhook gets its signing secret here (the caller shows it once). Raises
    ValidationError (on `target`, `events`) and writes nothing then."""
    channel = Channel(
        user=user,
        kind=kind,
        target=target_clean(kind, target),
        events=events_clean(events, user=user),
        enabled=enabled,
        secret=new_webhook_secret() if kind == ChannelKind.WEBHOOK else "",
    )
    channel.save()
    return channel


@transaction.atomic
def channel_update(*, channel: Channel, **fields) -> Channel:
    """Change `target`, `events` or `enabled` (the kind stays). Switching a channel on again clears its failure
    count. Atomic; raises ValidationError and changes nothing on a bad value."""
    if "target" in fields:
        channel.target = target_clean(channel.kind, fields["target"])
    if "events" in fields:
        channel.events = events_clean(fields["events"], user=channel.user)
    if "enabled" in fields:
        if fields["enabled"] and not channel.enabled:
            channel.consecutive_failures = 0
        channel.enabled = fields["enabled"]
    channel.save()
    return channel


def channel_delete(*, channel: Channel) -> None:
    """Delete the channel; its pending deliveries go with it (a queued try then finds nothing to send)."""
    channel.delete()
