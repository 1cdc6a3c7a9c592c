"""Rendering of reminder emails (plain text + HTML) and the links they carry; sending is the service's job."""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

# Where links point when SITE_URL is unset and there is no request to take the address from (`make dev`'s server).
DEFAULT_SITE_URL = "http://localhost:8000"


def site_url(request=None) -> str:
    """The site's public address without a trailing slash: SITE_URL; unset, the address `request` came to (the
    calendar feed), else DEFAULT_SITE_URL (the reminder run has no request)."""
    configured = getattr(settings, "SITE_URL", "")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEFAULT_SITE_URL


def purchase_url(purchase_id, *, base: str | None = None) -> str:
    """Where a reminder or calendar event links to: the purchase's page in the web app (`base`: site_url())."""
    return f"{base or site_url()}/#/purchases/{purchase_id}"


def reminder_items(warranties, *, today: datetime.date) -> list[dict]:
    """What the templates show per warranty; expects `purchase` and `purchase__retailer` already joined."""
    items = []
    for warranty in warranties:
        purchase = warranty.purchase
        items.append(
            {
                "product_name": purchase.product_name,
                "retailer_name": purchase.retailer.name if purchase.retailer_id else "",
                "provider": warranty.provider,
                "warranty_end": warranty.warranty_end,
                "days_left": (warranty.warranty_end - today).days,
                "url": purchase_url(purchase.pk),
            }
        )
    return items


def return_items(purchases, *, today: datetime.date) -> list[dict]:
    """What the templates show per return window; expects `retailer` already joined."""
    return [
        {
            "product_name": purchase.product_name,
            "retailer_name": purchase.retailer.name if purchase.retailer_id else "",
            "return_by": purchase.return_by,
            "days_left": (purchase.return_by - today).days,
            "url": purchase_url(purchase.pk),
        }
        for purchase in purchases
    ]


def _when(days: int) -> str:
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def reminder_subject(items: list[dict], returns: list[dict] = ()) -> str:
    if len(items) + len(returns) == 1:
        if items:
            return f"Warranty ends {_when(items[0]['days_left'])}: {items[0]['product_name']}"
        return f"Return window closes {_when(returns[0]['days_left'])}: {returns[0]['product_name']}"
    if not returns:
        return f"{len(items)} warranties end soon"
    if not items:
        return f"{len(returns)} return windows close soon"
    return f"{len(items)} warranties end and {len(returns)} return windows close soon"


def reminder_message(
    *, recipient: str, user, items: list[dict], returns: list[dict] = (), connection=None
) -> EmailMultiAlternatives:
    """One email listing warranty `items` and return windows `returns` (its section "Return window closing"): a
    digest, or a single one, with text and HTML bodies."""
    context = {
        "user": user,
        "items": items,
        "returns": returns,
        "site_url": site_url(),
        "subject": reminder_subject(items, returns),
    }
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=render_to_string("reminders/reminder_email.txt", context),
        to=[recipient],
        connection=connection,
    )
    message.attach_alternative(render_to_string("reminders/reminder_email.html", context), "text/html")
    return message
