"""Export the whole program as the files of the transfer format.

Rows are streamed from the database (never a model instance), sorted by natural key in
code-point order on every database, so that two exports of the same program are the same
bytes and importing them into an empty database gives the same program back.
"""

import csv
import datetime as dt
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.functions import Collate

from certifications.models import CertificationLevel, PartnerCertification
from partnerprogram.models import Partner, PartnerFeedback
from partnerprogram.transfer.formats import (
    CERTIFICATIONS,
    FEEDBACK,
    LEVELS,
    PARTNERS,
    TIERS,
    TRANSITIONS,
)
from tiers.models import Tier, TierTransition

CHUNK = 5000


def _binary(field):
    """Order a text field by code point, as Python and SQLite (BINARY) do; PostgreSQL's
    default collation follows the locale instead."""
    return Collate(field, "C") if connection.vendor == "postgresql" else field


def _tables():
    """(format, queryset of value tuples in the format's column order) for every file."""
    username = f"account_manager__{get_user_model().USERNAME_FIELD}"
    b = _binary
    return [
        (
            LEVELS,
            CertificationLevel.objects.order_by(b("name")).values_list(
                "name", "rank", "validity_months"
            ),
        ),
        (
            TIERS,
            Tier.objects.order_by(b("name")).values_list("name", "rank", "required_level__name"),
        ),
        (
            PARTNERS,
            Partner.objects.order_by(b("name")).values_list(
                "name",
                "partner_type",
                "region__name",
                "country",
                username,
                "joined_on",
                "ended_on",
                "contact_email",
            ),
        ),
        (
            CERTIFICATIONS,
            PartnerCertification.objects.order_by(
                b("partner__name"), b("level__name"), "awarded_on"
            ).values_list("partner__name", "level__name", "awarded_on", "expires_on", "revoked_on"),
        ),
        (
            TRANSITIONS,
            TierTransition.objects.order_by(
                b("partner__name"), "effective_on", b("to_tier__name")
            ).values_list(
                "partner__name", "from_tier__name", "to_tier__name", "effective_on", "reason"
            ),
        ),
        (
            FEEDBACK,
            # pk last: entries with the same key keep their order, which the import matches.
            PartnerFeedback.objects.order_by(
                b("partner__name"), "received_on", b("comment"), "pk"
            ).values_list("partner__name", "received_on", "channel", "topic", "rating", "comment"),
        ),
    ]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_program(directory, *, progress=None):
    """Write the six files into `directory` (created if missing; files of the same names are
    replaced, and removed for a table with no rows). Returns {file name: rows written}."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for fmt, rows in _tables():
        path = directory / fmt.name
        partial = path.with_name(f".{fmt.name}.partial")
        count = 0
        with partial.open("w", encoding="utf-8", newline="") as file:
            out = csv.writer(file, lineterminator="\n")
            out.writerow(fmt.column_names)
            for row in rows.iterator(chunk_size=CHUNK):
                out.writerow([_cell(value) for value in row])
                count += 1
                if progress and count % CHUNK == 0:
                    progress(fmt.name, count, None)
        if count:
            os.replace(partial, path)
        else:
            # A file of only a header is refused by the import: leave it out, as one may.
            partial.unlink()
            path.unlink(missing_ok=True)
        counts[fmt.name] = count
    return counts
