"""Reads for reminders: whose settings, which warranties are due on a day, and what the calendar feed lists.

The due rule (`reminder_due_list`): for a warranty with D days left (0 ≤ D) and the user's lead days L, the lead
days *reached* are those with D ≤ l. The reminder due is for the smallest reached lead day m, and it is sent
unless a reminder for the same end date was already sent at m or at any smaller lead day. So:

- on time (D = 30 with L = [30, 7, 1]) the 30-day reminder goes out, and nothing more until D = 7;
- a missed run (D was 7 yesterday, is 6 today) still sends the 7-day reminder, once: tomorrow m is still 7
  and the 7-day reminder is logged;
- a warranty first seen with 7 days left gets only the 7-day reminder: the 30-day one is superseded and never
  sent later, because m only ever shrinks as the end approaches;
- a reminder is never followed by a less urgent one, even after the lead days are changed;
- on its last day (D = 0) a warranty still gets the smallest lead day's reminder if that one never went out.
The log is keyed on (member, warranty, end date, lead day), so moving a warranty's end starts afresh, and each
member of a household gets their own reminder of the household's warranty, once.

Return windows (API.md § Version 2) follow the same rule on a purchase's `return_by` (`return_due_list`, logged in
SentReturnReminder): a purchase that is not RETURNED, whose window closes from today to today + the largest lead day.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When

from purchases.choices import PurchaseStatus
from purchases.models import Purchase
from reminders.models import MAX_LEAD_DAY, Channel, ReminderSettings, SentReminder, SentReturnReminder
from spends import clock
from warranties.choices import WarrantyStatus, WarrantyType
from warranties.models import Warranty


def reminder_settings_get(*, user) -> ReminderSettings:
    """The user's settings row, or an unsaved one holding the defaults (reading never writes)."""
    try:
        return ReminderSettings.objects.select_related("user").get(user=user)
    except ReminderSettings.DoesNotExist:
        return ReminderSettings(user=user)


def calendar_token_get(*, user) -> str | None:
    """The user's current calendar feed token, or None before they have settings (reading never makes one)."""
    return ReminderSettings.objects.filter(user=user).values_list("calendar_token", flat=True).first()


def reminder_settings_by_token(*, token: str) -> ReminderSettings | None:
    """The settings whose calendar feed token this is (an active user's only), or None."""
    if not token:
        return None
    return ReminderSettings.objects.select_related("user").filter(calendar_token=token, user__is_active=True).first()


def remindable_warranties(*, today: datetime.date, max_lead_day: int = MAX_LEAD_DAY):
    """Warranties that can be reminded of at all: not voided, not LIFETIME, ending from today to today+max_lead_day."""
    return Warranty.objects.filter(
        status=WarrantyStatus.ACTIVE,
        warranty_end__gte=today,
        warranty_end__lte=today + datetime.timedelta(days=max_lead_day),
    ).exclude(warranty_type=WarrantyType.LIFETIME)


def reminder_recipients(*, today: datetime.date | None = None):
    """Active users who have reminders switched on (or never changed the default, which is on) and whose household
    has at least one remindable warranty or return window; ordered by id, each annotated with `household_id` (their
    membership's). Every member of a household is a recipient of their own digest. Users are filtered in SQL, their
    lead days are applied per user later."""
    today = today or clock.today()
    household = OuterRef("membership__household_id")
    has_candidates = Exists(remindable_warranties(today=today).filter(purchase__household_id=household)) | Exists(
        remindable_returns(today=today).filter(household_id=household)
    )
    disabled = ReminderSettings.objects.filter(user=OuterRef("pk"), enabled=False)
    return (
        get_user_model()
        .objects.filter(has_candidates, is_active=True)
        .exclude(Exists(disabled))
        .annotate(household_id=F("membership__household_id"))
        .order_by("pk")
    )


def remindable_returns(*, today: datetime.date, max_lead_day: int = MAX_LEAD_DAY):
    """Purchases whose return window can be reminded of at all: not RETURNED, `return_by` from today to
    today+max_lead_day."""
    return Purchase.objects.filter(
        return_by__gte=today, return_by__lte=today + datetime.timedelta(days=max_lead_day)
    ).exclude(status=PurchaseStatus.RETURNED)


def _lead_day(field: str, leads: list[int], today: datetime.date) -> Case:
    """The smallest lead day reached by `field`'s date: the first matching When, the leads being ascending."""
    return Case(
        *[When(**{f"{field}__lte": today + datetime.timedelta(days=lead)}, then=Value(lead)) for lead in leads],
        default=Value(None),
        output_field=IntegerField(),
    )


def return_due_list(*, user, household_id, lead_days, today: datetime.date | None = None):
    """The household's purchases whose return window is due a reminder to `user` (a member) on `today`: the rule of
    `reminder_due_list` on `return_by`, logged per member in SentReturnReminder. Annotated with `lead_day`;
    `retailer` joined. Soonest window first. Empty when `lead_days` is empty."""
    today = today or clock.today()
    leads = sorted(set(lead_days))
    if not leads:
        return Purchase.objects.none()
    already_sent = SentReturnReminder.objects.filter(
        user=user, purchase=OuterRef("pk"), return_by=OuterRef("return_by"), lead_day__lte=OuterRef("lead_day")
    )
    return (
        remindable_returns(today=today, max_lead_day=leads[-1])
        .in_household(household_id)
        .annotate(lead_day=_lead_day("return_by", leads, today))
        .filter(~Exists(already_sent))
        .select_related("retailer")
        .order_by("return_by", "product_name", "id")
    )


def reminder_due_list(*, user, household_id, lead_days, today: datetime.date | None = None):
    """The household's warranties due a reminder to `user` (a member) on `today` (see the module docstring for the
    rule): what was already sent to another member does not count for this one.

    Annotated with `lead_day` (the reminder being sent) and `days_remaining` / `effective_status` (for today);
    `purchase` and `purchase__retailer` are joined. Soonest end first. Empty when `lead_days` is empty.
    """
    today = today or clock.today()
    leads = sorted(set(lead_days))
    if not leads:
        return Warranty.objects.none()
    lead_day = _lead_day("warranty_end", leads, today)
    already_sent = SentReminder.objects.filter(
        user=user, warranty=OuterRef("pk"), warranty_end=OuterRef("warranty_end"), lead_day__lte=OuterRef("lead_day")
    )
    return (
        remindable_warranties(today=today, max_lead_day=leads[-1])
        .in_household(household_id)
        .annotate(lead_day=lead_day)
        .filter(~Exists(already_sent))
        .with_effective_status(today)
        .select_related("purchase", "purchase__retailer")
        .order_by("warranty_end", "purchase__product_name", "id")
    )


def calendar_warranties(*, household_id, today: datetime.date | None = None):
    """The household's warranties for a member's calendar feed: ACTIVE today (not voided, not expired) with an end
    date, not LIFETIME. `purchase` and `purchase__retailer` joined; ordered by end date."""
    today = today or clock.today()
    return (
        Warranty.objects.in_household(household_id)
        .active_on(today)
        .filter(~Q(warranty_type=WarrantyType.LIFETIME), warranty_end__isnull=False)
        .select_related("purchase", "purchase__retailer")
        .order_by("warranty_end", "id")
    )


def calendar_returns(*, household_id, today: datetime.date | None = None):
    """The household's open return windows for a member's calendar feed: not RETURNED, `return_by` today or later.
    `retailer` joined; ordered by return-by date. Served by purchase_household_return_idx."""
    today = today or clock.today()
    return (
        Purchase.objects.in_household(household_id)
        .filter(return_by__gte=today)
        .exclude(status=PurchaseStatus.RETURNED)
        .select_related("retailer")
        .order_by("return_by", "id")
    )


def channel_list(*, user):
    """The user's own notification channels (never a household member's), oldest first."""
    return Channel.objects.filter(user=user).select_related("user").order_by("created_at", "id")
