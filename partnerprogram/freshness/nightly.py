"""The nightly refresh: stored levels for the new day, planner statistics, and the kept
figures tidied (days gone by dropped, differences added up)."""

from django.db import connection, transaction
from django.utils import timezone

from partnerprogram.freshness import kept, stored
from partnerprogram.models import Partner


def refresh(today=None):
    """Compute every partner's stored level and qualification for `today` (certifications
    expire with time), refresh the planner's statistics, drop the kept figures of days kept
    no more and add up the differences writes left. Returns the day."""
    today = today or timezone.localdate()
    with transaction.atomic():
        stored.refresh_levels(today)
    analyze(Partner._meta.db_table)
    kept.forget_past_days(today)
    kept.compact()
    return today


def analyze(table=None):
    """Give the query planner statistics of the tables just written (all, or `table` on
    PostgreSQL), and on PostgreSQL the visibility map that index-only scans need: without
    them it picks poor plans. SQLite analyzes every table (it has no autovacuum)."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    statement = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"  # VACUUM refuses a transaction
    if table and connection.vendor == "postgresql":
        statement += f" {connection.ops.quote_name(table)}"
    with connection.cursor() as cursor:
        cursor.execute(statement)
