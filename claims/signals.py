"""What the core tells the apps above it. The core knows nothing of them (the layers in
pyproject.toml forbid it); they connect to these signals in their AppConfig.ready().

- `timeline_written(sender=ClaimEvent, claims=[Claim, ...])`: events were appended to the
  timelines of these claims (each with `pk`, `code` and `published_at` loaded), in the
  transaction that wrote them. Publishing empties the cached public pages of those that are
  published.
- `evidence_linked(sender=Evidence, evidence=Evidence)`: a person linked a source to a
  claim, to be monitored. Monitoring checks a source that was never checked within
  seconds, after the commit, instead of at the next dispatch.
- `suggestions_made(sender=<the suggestion model>, arrivals={claim id: [Arrival, ...]})`:
  new suggested sources (claims.hooks.Arrival, told as on the claim's strip and feed) for
  these claims, in the transaction that made them (discovery). The desk tells the
  watchers and alert channels that opted in. Never a timeline event: a suggestion is
  not a fact of the record.
"""

from django.dispatch import Signal

timeline_written = Signal()
evidence_linked = Signal()
suggestions_made = Signal()
