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
from partnerprogram.models import ActionItem, Partner, PartnerFeedback, RemediationReview
from partnerprogram.transfer.formats import (
    ACTION_ITEMS,
    CERTIFICATIONS,
    FEEDBACK,
    LEVELS,
    NO,
    PARTNERS,
    REVIEWS,
    TIERS,
    TRANSITIONS,
    YES,
)
from tiers.models import Tier, TierTransition

CHUNK = 5000


def _binary(field):
    """Order a text field by code point, as Python and SQLite (BINARY) do; PostgreSQL's
    default collation follows the locale instead."""
    return Collate(field, "C") if connection.vendor == "postgresql" else field


def _tables():
    """(format, queryset of value tuples in the format's column order) for every file."""
    username_field = get_user_model().USERNAME_FIELD

    def username(field):
        return f"{field}__{username_field}"

    def keyed_fields(fmt, users):
        """The columns after id and partner of a file keyed by id: fields, users by name."""
        return [username(name) if name in users else name for name in fmt.column_names[2:]]

    b = _binary
    return [
        (
            LEVELS,
            CertificationLevel.objects.order_by(b("name")).values_list(
                "name", "rank", "validity_months", "description", "criteria"
            ),
        ),
        (
            TIERS,
            Tier.objects.order_by(b("name")).values_list(
                "name", "rank", "required_level__name", "description", "benefits"
            ),
        ),
        (
            PARTNERS,
            Partner.objects.order_by(b("name")).values_list(
                "name",
                "partner_type",
                "region__name",
                "country",
                username("account_manager"),
                "joined_on",
                "ended_on",
                "contact_email",
                "contact_reminders",
                "website",
                "notes",
            ),
        ),
        (
            CERTIFICATIONS,
            PartnerCertification.objects.order_by(
                b("partner__name"), b("level__name"), "awarded_on"
            ).values_list(
                "partner__name",
                "level__name",
                "awarded_on",
                "expires_on",
                "revoked_on",
                "notes",
                username("recorded_by"),
            ),
        ),
        (
            TRANSITIONS,
            TierTransition.objects.order_by(
                b("partner__name"), "effective_on", b("to_tier__name")
            ).values_list(
                "partner__name",
                "from_tier__name",
                "to_tier__name",
                "effective_on",
                "reason",
                username("recorded_by"),
            ),
        ),
        (
            FEEDBACK,
            PartnerFeedback.objects.order_by(b("partner__name"), "received_on", "pk").values_list(
                "pk", "partner__name", *keyed_fields(FEEDBACK, users={"logged_by"})
            ),
        ),
        (
            REVIEWS,
            RemediationReview.objects.order_by(b("partner__name"), "opened_on", "pk").values_list(
                "pk", "partner__name", *keyed_fields(REVIEWS, users={"owner"})
            ),
        ),
        (
            ACTION_ITEMS,
            ActionItem.objects.order_by(
                b("review__partner__name"), "review_id", "due_on", "pk"
            ).values_list(
                "pk", "review__partner__name", *keyed_fields(ACTION_ITEMS, users={"owner"})
            ),
        ),
    ]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)


def export_program(directory, *, progress=None):
    """Write the files of FORMATS into `directory` (created if missing; files of the same names are
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
