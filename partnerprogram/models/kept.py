"""The program's kept state: what partnerprogram.freshness keeps true for fast pages."""

from django.db import models
from django.db.models import Q


class ProgramState(models.Model):
    """`key` "levels" holds the day for which every partner's stored level and
    qualification were computed (partnerprogram.freshness.stored), and when: the pages that
    read them say so ("Figures as of 27 Nov 2026 (refreshed 27 Nov 2026, 01:05)")."""

    key = models.CharField(max_length=30, primary_key=True)
    as_of = models.DateField()
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.key} as of {self.as_of}"


class KeptCount(models.Model):
    """One count of a kept figure (partnerprogram.freshness.kept): figure `figure`, computed
    with the settings `variant`, of `day` (for a figure of a period, its last day, the
    period named by `period`), under `key`. The figure's value under a key is the sum of its
    rows: a write that changes it adds a row of the difference. A row with an empty key
    marks the figure of that day as kept."""

    figure = models.CharField(max_length=20)
    variant = models.CharField(max_length=20, blank=True)
    day = models.DateField()
    period = models.CharField(max_length=30, blank=True)
    key = models.CharField(max_length=80, blank=True)
    count = models.IntegerField()

    class Meta:
        indexes = [
            # Covers reading a figure's counts: the sum per key of the days asked for.
            models.Index(
                fields=["figure", "variant", "day", "period", "key", "count"], name="kept_count"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["figure", "variant", "day", "period"],
                condition=Q(key=""),
                name="kept_count_one_marker",
            )
        ]

    def __str__(self):
        return f"{self.figure} {self.day} {self.period} {self.key}: {self.count}"
