"""Helpers for tests that look at kept figures (partnerprogram.freshness.kept)."""

from partnerprogram.models import KeptCount


def is_kept(figure, day, period=""):
    """Whether figure `figure` of `day` (of the period named `period`) is kept."""
    return KeptCount.objects.filter(figure=figure, day=day, period=period, key="").exists()
