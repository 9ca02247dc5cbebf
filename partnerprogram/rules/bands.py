"""Pure helpers for percentages and bands: exact ratios, truncation (never rounding up into a
band a figure has not reached), and the interpretation bands of the Certification Levels
KPI. No database here."""

from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models


def ratio(part, whole):
    """part / whole as an exact fraction, or None when whole is 0 (undefined, not an error)."""
    if not whole:
        return None
    return Fraction(part, whole)


def truncate(value, places=1):
    """A number cut (not rounded) toward zero to `places` decimals, as a Decimal: 89.96 gives
    89.9, so that a figure never reads as a band it has not reached."""
    if value is None:
        return None
    scale = 10**places
    fraction = Fraction(value)
    cut = int(fraction * scale)  # int() truncates toward zero
    return (Decimal(cut) / scale).quantize(Decimal(1).scaleb(-places))


def percent(part, whole):
    """part / whole * 100, truncated to one decimal; None when whole is 0."""
    share = ratio(part, whole)
    return None if share is None else truncate(share * 100)


def change_percent(current, earlier):
    """How much `current` differs from `earlier`, in percent of `earlier`, truncated to one
    decimal; None when `earlier` is 0 (no base to compare with)."""
    if not earlier:
        return None
    return truncate(Fraction(current - earlier, earlier) * 100)


class Band(models.TextChoices):
    EXEMPLARY = "exemplary", "Exemplary"
    GOOD_STANDING = "good_standing", "Good standing"
    ACTION_REQUIRED = "action_required", "Action required"

    @property
    def meaning(self):
        return BAND_MEANINGS[self]


BAND_MEANINGS = {
    Band.EXEMPLARY: "Exemplary partner performance and alignment.",
    Band.GOOD_STANDING: "Good standing; opportunities for improvement exist.",
    Band.ACTION_REQUIRED: "Significant gaps; immediate action required.",
}


def band_for(part, whole):
    """The band of the rate part / whole, decided on the exact ratio (never on the rounded
    figure); None when whole is 0."""
    share = ratio(part, whole)
    if share is None:
        return None
    if share * 100 >= settings.KPI_EXEMPLARY_PERCENT:
        return Band.EXEMPLARY
    if share * 100 >= settings.KPI_GOOD_STANDING_PERCENT:
        return Band.GOOD_STANDING
    return Band.ACTION_REQUIRED
