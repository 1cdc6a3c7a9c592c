"""Writes for reminders: settings changes, feed token regeneration and the reminder run (send + log)."""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from reminders import emails, notify, selectors
from reminders.models import ReminderSettings, SentReminder, SentReturnReminder, new_calendar_token
from spends import clock, locks

logger = logging.getLogger(__name__)

RUN_LOCK = "reminders-run"  # spends.locks: one reminder run at a time across every node


def reminder_settings_update(*, user, enabled: bool, email: str | None, lead_days: list[int], digest: bool):
    """Replace the user's reminder settings (creating the row on first use). Atomic.

    `email` empty or None means "the account's email". Lead days are stored without repeats, largest first.
    Raises django ValidationError for values the model refuses (lead days outside 0..365, a bad email).
    """
    with transaction.atomic():
        prefs, _ = ReminderSettings.objects.select_for_update().get_or_create(user=user)
        prefs.enabled = enabled
        prefs.email = email or ""
        prefs.lead_days = sorted(set(lead_days), reverse=True) if isinstance(lead_days, list) else lead_days
        prefs.digest = digest
        prefs.full_clean(validate_unique=False)
        prefs.save()
    return prefs


def calendar_token_regenerate(*, user) -> ReminderSettings:
    """Give the user a new calendar feed token; the old feed URL stops working at once. Atomic."""
    with transaction.atomic():
        prefs, created = ReminderSettings.objects.select_for_update().get_or_create(user=user)
        if not created:
            prefs.calendar_token = new_calendar_token()
            prefs.save(update_fields=["calendar_token", "updated_at"])
    return prefs


@dataclass
class UserOutcome:
    """What a run did (or, in a dry run, would do) for one user."""

    user_id: int
    username: str
    email: str = ""
    due: list = field(default_factory=list)  # warranties annotated with lead_day
    returns_due: list = field(default_factory=list)  # purchases whose return window is due, annotated with lead_day
    emails_sent: int = 0
    reminders_sent: int = 0
    skipped: str = ""  # why nothing was sent although something was due
    error: str = ""


@dataclass
class RunReport:
    today: datetime.date
    dry_run: bool
    outcomes: list[UserOutcome] = field(default_factory=list)
    busy: bool = False  # another run held the lock: this one sent nothing

    @property
    def emails_sent(self) -> int:
        return sum(o.emails_sent for o in self.outcomes)

    @property
    def reminders_sent(self) -> int:
        return sum(o.reminders_sent for o in self.outcomes)

    @property
    def reminders_due(self) -> int:
        return sum(len(o.due) + len(o.returns_due) for o in self.outcomes)

    @property
    def failed(self) -> list[UserOutcome]:
        return [o for o in self.outcomes if o.error]


def _locked_settings(user) -> ReminderSettings:
    """The user's settings row, locked until the end of the transaction (created with the defaults if missing).

    The lock serialises concurrent runs per user: the second one waits, then sees the first one's log rows and
    finds nothing due. (SQLite has no row locks, but its transactions here start IMMEDIATE, which serialises too.)
    """
    try:
        prefs = ReminderSettings.objects.select_for_update().get(user=user)
    except ReminderSettings.DoesNotExist:
        try:
            with transaction.atomic():
                prefs = ReminderSettings.objects.create(user=user)
        except IntegrityError:  # a concurrent run created it first
            prefs = ReminderSettings.objects.select_for_update().get(user=user)
    prefs.user = user
    return prefs


def _log_sent(user, warranties: list, returns: list, today: datetime.date, email: str) -> None:
    """The log rows of one email that went out, in one savepoint."""
    sent_at = timezone.now()
    with transaction.atomic():
        SentReminder.objects.bulk_create(
            SentReminder(
                user=user,
                warranty=warranty,
                warranty_end=warranty.warranty_end,
                lead_day=warranty.lead_day,
                days_left=(warranty.warranty_end - today).days,
                email=email,
                sent_at=sent_at,
            )
            for warranty in warranties
        )
        SentReturnReminder.objects.bulk_create(
            SentReturnReminder(
                user=user,
                purchase=purchase,
                return_by=purchase.return_by,
                lead_day=purchase.lead_day,
                days_left=(purchase.return_by - today).days,
                email=email,
                sent_at=sent_at,
            )
            for purchase in returns
        )


def _send_due(user, prefs: ReminderSettings, due: list, returns: list, today: datetime.date, outcome: UserOutcome):
    """Send the emails for the warranties `due` and the return windows `returns`, and log each reminder right after
    its email went out.

    A digest is one email (return windows in their own section); otherwise one email per warranty or window. When a
    send fails the rest is left for the next run; reminders already sent stay logged (each log write is its own
    savepoint), so none is sent twice.
    """
    if prefs.digest:
        batches = [(due, returns)]
    else:
        batches = [([warranty], []) for warranty in due] + [([], [purchase]) for purchase in returns]
    connection = get_connection()  # one SMTP session for all of this user's emails
    for warranties, windows in batches:
        emails.reminder_message(
            recipient=outcome.email,
            user=user,
            items=emails.reminder_items(warranties, today=today),
            returns=emails.return_items(windows, today=today),
            connection=connection,
        ).send()
        _log_sent(user, warranties, windows, today, outcome.email)
        outcome.emails_sent += 1
        outcome.reminders_sent += len(warranties) + len(windows)


def _due(outcome: UserOutcome, user, household_id, lead_days, today) -> None:
    outcome.due = list(
        selectors.reminder_due_list(user=user, household_id=household_id, lead_days=lead_days, today=today)
    )
    outcome.returns_due = list(
        selectors.return_due_list(user=user, household_id=household_id, lead_days=lead_days, today=today)
    )


def _remind_user(user, *, today: datetime.date, dry_run: bool) -> UserOutcome:
    """`user` comes from `reminder_recipients`, annotated with their `household_id`: the digest covers the household's
    warranties, and is this member's own (their settings, their email, their log rows)."""
    household_id = user.household_id
    outcome = UserOutcome(user_id=user.pk, username=user.get_username())
    if dry_run:
        prefs = selectors.reminder_settings_get(user=user)
        outcome.email = prefs.recipient
        _due(outcome, user, household_id, prefs.lead_days, today)
        if (outcome.due or outcome.returns_due) and not outcome.email:
            outcome.skipped = "no email address"
        return outcome
    with transaction.atomic():
        prefs = _locked_settings(user)
        outcome.email = prefs.recipient
        if not prefs.enabled:  # switched off since the run listed this user
            return outcome
        _due(outcome, user, household_id, prefs.lead_days, today)
        if not outcome.due and not outcome.returns_due:
            return outcome
        # The member's notification channels get what is due too (each item once per channel), queued on commit.
        notify.reminder_digest(
            user=user, household_id=household_id, warranties=outcome.due, returns=outcome.returns_due, today=today
        )
        if not outcome.email:
            outcome.skipped = "no email address"
            logger.warning("Reminders for user %s skipped: no email address", user.pk)
            return outcome
        try:
            _send_due(user, prefs, outcome.due, outcome.returns_due, today, outcome)
        except Exception as exc:  # any mail failure: log it, keep what was sent, go on with the next user
            outcome.error = f"{type(exc).__name__}: {exc}"
            logger.exception("Sending reminders to user %s failed", user.pk)
    return outcome


def send_reminders(
    *,
    today: datetime.date | None = None,
    dry_run: bool = False,
    progress: Callable[[UserOutcome], None] | None = None,
) -> RunReport:
    """Send every reminder due on `today` (default: today UTC) and log it; idempotent, safe to run hourly.

    Per user, in its own transaction holding a lock on the user's settings: find what is due
    (`selectors.reminder_due_list`, and return windows: `selectors.return_due_list`), send it (one digest or one email
    per warranty or window), and write a `SentReminder` per warranty (`SentReturnReminder` per window) only after its
    email was accepted by the mail backend. A failure for one user is logged and
    recorded in the report; the other users are still reminded. A dry run sends and writes nothing and reports
    what would be sent. Never raises for a mail failure.
    """
    today = today or clock.today()
    report = RunReport(today=today, dry_run=dry_run)
    if dry_run:
        _remind_all(report, progress)
        return report
    # Every worker node may run the hourly job: one run at a time sends (another node's run finds it busy and
    # leaves; the next hour's finds nothing due). The per-user row locks below keep each reminder single anyway.
    try:
        with locks.named_lock(RUN_LOCK, wait=0):
            _remind_all(report, progress)
    except locks.LockBusy:
        report.busy = True
        logger.info("Reminders: another run (on this or another node) is sending them now; nothing to do.")
    return report


def _remind_all(report: RunReport, progress) -> None:
    today, dry_run = report.today, report.dry_run
    for user in list(selectors.reminder_recipients(today=today)):
        try:
            outcome = _remind_user(user, today=today, dry_run=dry_run)
        except Exception as exc:  # a database error for one user must not stop the others either
            outcome = UserOutcome(user_id=user.pk, username=user.get_username(), error=f"{type(exc).__name__}: {exc}")
            logger.exception("Reminders for user %s failed", user.pk)
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
