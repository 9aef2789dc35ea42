"""Row locks on parties that other domains take to serialise their writes for one studio."""

from __future__ import annotations

from registry.parties.models import Studio


def lock_studio(studio_id: int) -> Studio:
    """Lock the studio's row until the transaction ends and return it (call inside one).

    Whatever a studio's writers must not interleave (billing it, correcting its documents) takes
    this lock first, so they queue in one order and never deadlock on each other's rows. FOR NO
    KEY UPDATE, not FOR UPDATE: it still lets other transactions insert rows that reference the
    studio (usage lines, invoices), which a FOR UPDATE lock would make wait."""
    return Studio.objects.select_for_update(no_key=True).get(pk=studio_id)
