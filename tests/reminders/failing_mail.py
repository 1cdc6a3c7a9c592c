"""A mail backend for tests: Django's locmem backend that refuses chosen recipients like an SMTP server would."""

import smtplib
import threading
import time

from django.core.mail.backends.locmem import EmailBackend

FAILING: set[str] = set()
FAILING_SUBJECT_WORDS: set[str] = set()
SEND_DELAY = {"seconds": 0.0}
_lock = threading.Lock()


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            refused = [address for address in message.to if address in FAILING]
            if refused or any(word in message.subject for word in FAILING_SUBJECT_WORDS):
                raise smtplib.SMTPRecipientsRefused(dict.fromkeys(refused or message.to, (550, b"refused")))
        if SEND_DELAY["seconds"]:
            time.sleep(SEND_DELAY["seconds"])
        with _lock:
            return super().send_messages(messages)
