"""E-mail channel: Django's ``EmailMessage`` through whatever ``EMAIL_BACKEND`` settings name."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMessage

from chinhquyen.notifications.channels import Message, PermanentError, RetryableError


class EmailTransport:
    name = "email"

    def send(self, message: Message) -> str:
        # The Message-ID is derived from the notification's key, so a retry after a lost reply
        # carries the same id and mail systems can drop the duplicate.
        message_id = f"<{message.key or 'notification'}@chinhquyen>"
        mail = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.to],
            headers={"Message-ID": message_id},
        )
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"máy chủ thư từ chối địa chỉ nhận: {_codes(exc)}") from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx is a final answer, except authentication, which an administrator can fix.
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise PermanentError(f"máy chủ thư trả lời {exc.smtp_code}") from exc
            raise RetryableError(f"máy chủ thư trả lời {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(f"không gửi được thư: {type(exc).__name__}") from exc
        return message_id


def _codes(exc: smtplib.SMTPRecipientsRefused) -> str:
    return ", ".join(str(code) for code, _ in exc.recipients.values())
