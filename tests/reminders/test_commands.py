"""manage.py send_reminders [--dry-run] [--today YYYY-MM-DD]."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from reminders.models import SentReminder
from tests.reminders.conftest import TODAY, ending

pytestmark = pytest.mark.django_db


def test_sends_and_summarises(owner, capsys):
    ending(owner, 7, product_name="Drill")
    call_command("send_reminders", "--today", TODAY.isoformat())
    out = capsys.readouterr()
    assert "Reminders for 2025-06-01: 1 reminder(s) in 1 email(s) to 1 user(s)." in out.out
    assert "owner <owner@example.com>: Drill ends 2025-06-08 (7-day reminder)" in out.err
    assert len(mail.outbox) == 1 and SentReminder.objects.count() == 1

    call_command("send_reminders", "--today", TODAY.isoformat())
    assert "0 reminder(s) in 0 email(s)" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_dry_run_lists_and_sends_nothing(owner, capsys):
    ending(owner, 30, product_name="Drill")
    call_command("send_reminders", "--dry-run", "--today", TODAY.isoformat())
    out = capsys.readouterr()
    assert "Dry run for 2025-06-01: 1 reminder(s) due for 1 user(s); nothing sent." in out.out
    assert "Drill ends 2025-07-01 (30-day reminder)" in out.err
    assert mail.outbox == [] and not SentReminder.objects.exists()


def test_today_defaults_to_the_clock(owner, today, capsys):
    ending(owner, 1)
    call_command("send_reminders")
    assert "Reminders for 2025-06-01: 1 reminder(s)" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["2025-13-01", "tomorrow", "01/06/2025"])
def test_a_bad_date_is_refused(value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", value)


def test_a_failure_is_reported_after_the_others_are_sent(owner, other_user, failing, capsys):
    ending(owner, 7)
    ending(other_user, 7)
    failing.FAILING.add(owner.email)
    with pytest.raises(CommandError, match="Sending failed for 1 user\\(s\\): owner"):
        call_command("send_reminders", "--today", TODAY.isoformat())
    out = capsys.readouterr()
    assert "owner: FAILED, SMTPRecipientsRefused" in out.err
    assert "1 reminder(s) in 1 email(s) to 1 user(s)" in out.out
    assert [m.to for m in mail.outbox] == [[other_user.email]]


def test_dry_run_names_users_without_an_email_address(owner, capsys):
    owner.email = ""
    owner.save()
    ending(owner, 7)
    call_command("send_reminders", "--dry-run", "--today", TODAY.isoformat())
    assert "owner: skipped, no email address" in capsys.readouterr().err


def test_a_run_while_another_node_runs_sends_nothing_and_says_so(owner, capsys):
    from reminders import services
    from spends import locks

    ending(owner, 7, product_name="Drill")
    with locks.named_lock(services.RUN_LOCK):  # another worker node's hourly run, sending now
        call_command("send_reminders", "--today", TODAY.isoformat())
    assert "Another run (on this or another node) is sending the reminders now" in capsys.readouterr().out
    assert mail.outbox == [] and not SentReminder.objects.exists()
    call_command("send_reminders", "--today", TODAY.isoformat())  # the lock is free again: sent once
    assert len(mail.outbox) == 1 and SentReminder.objects.count() == 1
