"""Fill a database at main 09b3112 with the demo plus every kind of row that moves apps."""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from claims import services
from claims.models import AlertChannel, AlertDelivery, Assignment, Claim, ImportJob, Watch

call_command("seed_demo", pages_url="http://127.0.0.1:8001", stdout=io.StringIO())
User = get_user_model()
editor = User.objects.get(username="editor")
analyst = User.objects.get(username="analyst")
claims = list(Claim.objects.order_by("id"))
c0, c1 = claims[0], claims[1]
services.watch_add(claim=c0, actor=analyst)
services.watch_add(claim=c1, actor=editor)
services.claim_assign(
    claim=c0, user=analyst, due_at=timezone.now() + timedelta(days=1), actor=editor
)
services.claim_assign(claim=c1, user=editor, actor=editor)
c0.refresh_from_db()
if c0.has_verdict:
    services.claim_publish(claim=c0, actor=editor)
ch = AlertChannel.objects.create(
    user=analyst,
    label="My hook",
    service="json",
    url="json://hooks.example.org/x",
    url_redacted="json://hooks.example.org/…",
)
AlertChannel.objects.create(
    desk=Group.objects.get(name="Editors"),
    label="Desk Slack",
    service="slack",
    url="slack://T/B/C",
    url_redacted="slack://…",
)
AlertDelivery.objects.create(channel=ch, title="Verdict set", body="Confirmed: ...")
AlertDelivery.objects.create(
    channel=ch, title="Source changed", body="...", sent_at=timezone.now(), attempts=1
)
ImportJob.objects.create(
    owner=editor,
    upload="a" * 32,
    name="emergent.csv",
    options={"encoding": "utf-8"},
    mapping={"statement": "claimHeadline"},
    kind="preview",
    state="done",
    report={"committed": False, "rows": 3},
)
ImportJob.objects.create(
    owner=editor, upload="b" * 32, name="desk.xlsx", kind="import", state="queued"
)
print(
    "claims",
    Claim.objects.count(),
    "watches",
    Watch.objects.count(),
    "assignments",
    Assignment.objects.count(),
    "channels",
    AlertChannel.objects.count(),
    "deliveries",
    AlertDelivery.objects.count(),
    "jobs",
    ImportJob.objects.count(),
)
