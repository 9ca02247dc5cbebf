"""What the freshness tests hold true: every kept figure and every stored column equal to a
computation from the tables, and the kept figures the pages ask for filled."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from certifications import cube
from certifications.kpis import certification_risks
from partnerprogram.freshness import FIGURES, kept, stored
from partnerprogram.kpis import partner_count, standing_counts
from partnerprogram.models import Partner, ProgramState
from partnerprogram.rules.periods import Period, quarter_ends
from tests.programs import START
from tiers.kpis import advancing_counts, stagnant_count, tier_advancements

TODAY = timezone.localdate()
CLOSED_QUARTER_ENDS = [d for d in quarter_ends(TODAY - dt.timedelta(days=1), 12) if d >= START]


def fill(quarter_ends=None):
    """Ask for every kind of kept figure, as the pages and the nightly refresh do: today
    and the closed quarter ends (by default every one since START), the stagnant partners
    of the current and those quarters, the advancing partners of those quarters and of the
    last months, the Tier Advancements totals of those quarters and the current one (which,
    in progress, also asks for its stagnant partners of today and for the advancing partners
    of the first as many days of the previous quarter and of the quarter a year earlier:
    custom ranges), the partner count."""
    quarter_ends = quarter_ends or CLOSED_QUARTER_ENDS
    quarters = [Period.quarter_containing(day) for day in quarter_ends]
    cube.level_cubes([*quarter_ends, TODAY])
    cube.level_totals([*quarter_ends, TODAY])
    for day in (TODAY, quarter_ends[-1]):
        cube.level_segments(day)
    for day in (TODAY, quarter_ends[-1]):
        certification_risks(day)
        standing_counts(day)
    for quarter in (*quarters, Period.quarter_containing(TODAY)):
        stagnant_count(quarter)
    months = Period.containing("month", TODAY).trailing(6)
    advancing_counts([*quarters, *months])
    for quarter in (*quarters, Period.quarter_containing(TODAY)):
        tier_advancements(quarter)  # its totals, kept
    partner_count()


def kept_figures():
    """{(figure, day, period): {key: count}} of everything kept."""
    found = {}
    for name, scopes in kept.kept_scopes(FIGURES, None).items():
        figure = kept.registered(name)
        wheres = [kept._where(scope) for scope in scopes]
        for where, counts in kept._read(name, figure.variant(), wheres).items():
            found[(name, *where)] = counts
    return found


def disagreements():
    """Every kept figure or stored column that differs from a computation from the tables:
    [(what, kept or stored, computed)]. Empty when all is true."""
    found = []
    day = stored.state_day()
    columns = stored.STORED if day else stored.TIER
    now = Partner.objects.annotate(
        **{f"{column}_now": value for column, value in stored._values(columns, day).items()}
    )
    attnames = [Partner._meta.get_field(column).attname for column in columns]
    for row in now.values("pk", *attnames, *(f"{column}_now" for column in columns)):
        for column, attname in zip(columns, attnames, strict=True):
            if row[attname] != row[f"{column}_now"]:
                found.append((f"partner {row['pk']} {column}", row[attname], row[f"{column}_now"]))
    kept_now = kept_figures()
    with transaction.atomic():
        ProgramState.objects.all().delete()  # count from the tables, not from stored state
        for (name, day_, period), counts in kept_now.items():
            figure = kept.registered(name)
            scope = kept._scope(figure, day_, period)
            computed = {key: n for key, n in figure.count([scope])[scope].items() if n}
            if counts != computed:
                found.append((f"{name} {day_} {period}", counts, computed))
        transaction.set_rollback(True)
    return found
