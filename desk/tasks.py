from celery import shared_task

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
