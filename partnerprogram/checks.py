"""System checks: every figure that freshness keeps has its computation registered."""

from django.core import checks

from partnerprogram.freshness import FIGURES
from partnerprogram.freshness.kept import registered


@checks.register()
def kept_figures_are_registered(app_configs, **kwargs):
    return [
        checks.Error(
            f"The kept figure {name!r} has no computation: register one with "
            "partnerprogram.freshness.kept_figure().",
            id="partnerprogram.E001",
        )
        for name in FIGURES
        if registered(name) is None
    ]
