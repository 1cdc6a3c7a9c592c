"""The private calendar feed: one all-day event per active warranty end and per open return window, built with the
`icalendar` library."""

import datetime

from icalendar import Calendar, Event

from reminders.emails import purchase_url, site_url

PRODID = "-//Spends Tracker//Warranty ends//EN"


def warranty_event_uid(warranty) -> str:
    """Stable across feed refreshes (and token changes), so calendar apps update events instead of duplicating."""
    return f"warranty-{warranty.pk}@spends-tracker"


def return_event_uid(purchase) -> str:
    """As warranty_event_uid, for a purchase's return window."""
    return f"return-{purchase.pk}@spends-tracker"


def _all_day(event: Event, *, uid: str, day, updated_at, summary: str, details: list[str], url: str) -> Event:
    event.add("uid", uid)
    event.add("dtstamp", updated_at.astimezone(datetime.UTC))
    event.add("last-modified", updated_at.astimezone(datetime.UTC))
    # A date (not a datetime) makes an all-day event; DTEND is exclusive, so the next day.
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", "\n".join([*details, url]))
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def _return_event(purchase, base: str) -> Event:
    details = [f"Last day to return {purchase.product_name}."]
    if purchase.retailer_id:
        details.append(f"Bought at {purchase.retailer.name} on {purchase.purchase_date.isoformat()}.")
    return _all_day(
        Event(),
        uid=return_event_uid(purchase),
        day=purchase.return_by,
        updated_at=purchase.updated_at,
        summary=f"Return by: {purchase.product_name}",
        details=details,
        url=purchase_url(purchase.pk, base=base),
    )


def warranty_calendar(warranties, returns=(), *, base: str | None = None) -> bytes:
    """The iCalendar document (RFC 5545) for `warranties` (with `purchase` and `purchase__retailer` joined) and the
    open return windows of the purchases `returns` (with `retailer` joined). Events link to the purchase's page under
    `base` (default: site_url())."""
    base = base or site_url()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Warranty ends")
    calendar.add("x-wr-caldesc", "When your warranties run out and your return windows close (Spends Tracker)")
    for warranty in warranties:
        purchase = warranty.purchase
        details = [f"Warranty ({warranty.get_warranty_type_display().lower()}) for {purchase.product_name} ends."]
        if purchase.retailer_id:
            details.append(f"Bought at {purchase.retailer.name} on {purchase.purchase_date.isoformat()}.")
        if warranty.provider:
            details.append(f"Provider: {warranty.provider}.")
        event = _all_day(
            Event(),
            uid=warranty_event_uid(warranty),
            day=warranty.warranty_end,
            updated_at=warranty.updated_at,
            summary=f"Warranty ends: {purchase.product_name}",
            details=details,
            url=purchase_url(purchase.pk, base=base),
        )
        calendar.add_component(event)
    for purchase in returns:
        calendar.add_component(_return_event(purchase, base))
    return calendar.to_ical()
