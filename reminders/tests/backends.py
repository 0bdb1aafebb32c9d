"""Test mail backends that behave like SMTP's: a connection that is opened, used and closed.

``CountingBackend`` counts connection opens (class attribute, so across the instances
``get_connection()`` makes) and opens a connection per ``send_messages`` call when none is open,
as Django's SMTP backend does, so a batch that does not reuse its connection shows up as many opens.
With ``fail_for`` set it also refuses messages to the addresses in ``fail_for``, raising the error
Django's SMTP backend would.
"""

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class CountingBackend(LocmemBackend):
    opens = 0
    fail_for: set[str] = set()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_open = False

    @classmethod
    def reset(cls, *, fail_for=()):
        cls.opens = 0
        cls.fail_for = set(fail_for)

    def open(self):
        if self.is_open:
            return False
        type(self).opens += 1
        self.is_open = True
        return True

    def close(self):
        self.is_open = False

    def send_messages(self, messages):
        created = self.open()
        try:
            for message in messages:
                refused = set(message.to) & self.fail_for
                if refused:
                    raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed while sending to {refused}")
            return super().send_messages(messages)
        finally:
            if created:
                self.close()
