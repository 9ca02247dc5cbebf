"""Freshness: the one place that decides what a write makes stale, and keeps it true.

Pages about today, closed quarter ends and past periods read *stored state* (each partner's
current tier, last tier change, current level and how long it stays qualified: `stored`)
and *kept figures* (KPI counts of a day or a period: `kept`). Both are derived from the
partners, certifications, tier transitions, levels and tiers, so a write to those rows must
bring them in step in its own transaction, or a page would show a figure that a computation
from the tables no longer gives.

The rule: `feeds.SOURCES` says, for every field of every model, whether a change to it moves
stored state (which columns of which partners) or kept figures (which, from which day), or
nothing. Every ORM write of those models is watched (models.watched, `writes.watch`): before
it, the partners it touches are locked and their share of every kept figure of the days it
can move is counted; after it, their stored columns are computed again, their share is
counted again, and the difference is added to the kept figures. The figures are sums over
partners, so the result is exactly what a computation from scratch gives. A change that
cannot be adjusted that way (a level's rank, a write of thousands of partners, an import in a
`batch()`) drops the kept figures it moves from its first day instead; the next page computes
them again. A figure is stored only while no write that moves it is in flight (`kept`'s gate),
so a computation never stores numbers that a concurrent write has already changed.

Fixtures (loaddata) save rows around save(): each one drops every kept figure and computes
its partners' stored state again. Trusted SQL that goes around the ORM, and so around this
module: the migrations (they run before anything is kept); the demo seed's bulk inserts
(`devtools.bulk`), made inside a `batch()` that declares `everything_changed()`; the
import's copies into history tables (history feeds nothing); and `stored.recompute()`
itself, which writes stored state with a plain QuerySet because it is the only writer
allowed to.
"""

from django.db.models.signals import post_save

from partnerprogram.freshness import feeds
from partnerprogram.freshness.feeds import (
    ADVANCING,
    FIGURES,
    LEVEL_SEGMENTS,
    LEVEL_TOTALS,
    LEVELS,
    PARTNERS,
    PERIOD_TOTALS,
    RISKS,
    STAGNANT,
    STANDINGS,
)
from partnerprogram.freshness.kept import counts, kept_figure
from partnerprogram.freshness.nightly import refresh
from partnerprogram.freshness.stored import (
    StoredState,
    answering_state,
    one_state_day,
    state_day,
    stored_state,
    stored_state_answers,
)
from partnerprogram.freshness.writes import FreshnessError, batch, raw_saved, watch
from partnerprogram.models import observe_writes


def connect():
    """Watch every write of the watched models (called when the apps are ready), and the
    rows fixtures load around save()."""
    observe_writes(watch)
    post_save.connect(raw_saved, dispatch_uid="partnerprogram.freshness.raw_saved")


__all__ = [
    "ADVANCING",
    "FIGURES",
    "LEVEL_SEGMENTS",
    "LEVEL_TOTALS",
    "LEVELS",
    "PARTNERS",
    "PERIOD_TOTALS",
    "RISKS",
    "STAGNANT",
    "STANDINGS",
    "FreshnessError",
    "StoredState",
    "answering_state",
    "batch",
    "connect",
    "counts",
    "feeds",
    "kept_figure",
    "refresh",
    "one_state_day",
    "state_day",
    "stored_state",
    "stored_state_answers",
]
