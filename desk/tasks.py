from celery import shared_task
from django.core.mail import send_mail

from . import alerts, notifications


@shared_task
def notify_watchers() -> int:
    """Mail watchers the verdict and source changes since their last mail (one batch),
    write the same digests to their alert channels, and start sending those."""
    sent = notifications.notify_watchers()
    deliver_alerts()
    return sent


@shared_task
def deliver_alerts() -> int:
    """Take the due alert deliveries (first tries and retries) and queue one send each,
    so a slow or failing channel holds up no other."""
    ids = alerts.alerts_claim_due()
    for delivery_id in ids:
        send_alert.delay(delivery_id)
    return len(ids)


@shared_task
def send_alert(delivery_id: int) -> bool:
    """Send one alert; a failure is retried by deliver_alerts after its backoff."""
    return alerts.alert_send(delivery_id=delivery_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def mail_watcher(to: str, subject: str, body: str) -> None:
    """Send one watcher's mail of new suggested sources (desk.notifications)."""
    send_mail(subject, body, None, [to])


def suggestions_made(sender, arrivals, **kwargs) -> None:
    """claims.signals.suggestions_made: alert who opted in. The mails and the outbox's
    sends start after the commit, so nothing is told of suggestions rolled back."""
    mails, deliveries = notifications.suggestions_notify(arrivals=arrivals)
    for mail in mails:
        mail_watcher.delay_on_commit(mail.to, mail.subject, mail.body)
    if deliveries:
        deliver_alerts.delay_on_commit()
