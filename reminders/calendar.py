"""The private calendar feed: one all-day event per active warranty end, built with the `icalendar` library."""

import datetime

from icalendar import Calendar, Event

from reminders.emails import purchase_url

PRODID = "-//Spends Tracker//Warranty ends//EN"


def warranty_event_uid(warranty) -> str:
    """Stable across feed refreshes (and token changes), so calendar apps update events instead of duplicating."""
    return f"warranty-{warranty.pk}@spends-tracker"


def warranty_calendar(warranties) -> bytes:
    """The iCalendar document (RFC 5545) for `warranties` (with `purchase` and `purchase__retailer` joined)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Warranty ends")
    calendar.add("x-wr-caldesc", "When your warranties run out (Spends Tracker)")
    for warranty in warranties:
        purchase = warranty.purchase
        details = [f"Warranty ({warranty.get_warranty_type_display().lower()}) for {purchase.product_name} ends."]
        if purchase.retailer_id:
            details.append(f"Bought at {purchase.retailer.name} on {purchase.purchase_date.isoformat()}.")
        if warranty.provider:
            details.append(f"Provider: {warranty.provider}.")
        url = purchase_url(purchase.pk)
        details.append(url)

        event = Event()
        event.add("uid", warranty_event_uid(warranty))
        event.add("dtstamp", warranty.updated_at.astimezone(datetime.UTC))
        event.add("last-modified", warranty.updated_at.astimezone(datetime.UTC))
        # A date (not a datetime) makes an all-day event; DTEND is exclusive, so the next day.
        event.add("dtstart", warranty.warranty_end)
        event.add("dtend", warranty.warranty_end + datetime.timedelta(days=1))
        event.add("summary", f"Warranty ends: {purchase.product_name}")
        event.add("description", "\n".join(details))
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
