"""The checks of the files of a partner's dated records: certifications, feedback,
remediation reviews and their action items. The file comes a chunk at a time, each holding
all the rows of its partners (spill.py). A row is checked by itself first; `finish` then
loads the stored records of the chunk's partners (a few queries) and plans each row as a
create, an update or nothing.

Users are named by username. An author column ("recorded by", "logged by") left empty keeps
the stored author, and names the importing user on a new row.
"""

import datetime as dt

from django.db.models import F

from certifications.models import PartnerCertification
from partnerprogram.models import (
    ActionItem,
    Partner,
    PartnerFeedback,
    RemediationReview,
    ReviewStatus,
)
from partnerprogram.transfer.checks import FileCheck, constraint_message
from partnerprogram.transfer.formats import (
    ACTION_ITEMS,
    CERTIFICATIONS,
    FEEDBACK,
    INVALID,
    REVIEWS,
    WHOLE_ROW,
)
from partnerprogram.transfer.state import CHUNK, rows_of_partners, user_pk


class PartnerRecordCheck(FileCheck):
    """A file whose rows each belong to a partner named in the `partner` column."""

    user_fields = ()  # fields that name a user
    author_fields = ()  # of those, the ones an empty cell leaves as they are
    group_column = "partner"  # a chunk holds all the rows of its partners

    def __init__(self, state, problems):
        super().__init__(state, problems)
        self.rows = []  # (line, values) of the rows that passed, values[0] the PartnerRef

    def prepare(self, rows):
        self.state.partners.load(row.values["partner"] for row in rows)

    def partner(self, row):
        name = row.values["partner"]
        if name is INVALID:
            return None
        return self.lookup(self.state.partners, name, row.line, "partner", "partner")

    def release(self):
        super().release()
        self.rows.clear()

    def stored_partner_pks(self):
        return {values[0].pk for _, values in self.rows if values[0].pk is not None}

    def comparable(self, fields, new, old):
        """The row's values of `fields` as compared with the stored `old` ones (usernames
        for users): an empty author cell takes the stored author."""
        values = []
        for index, (field, value) in enumerate(zip(fields, new, strict=True)):
            if field in self.user_fields:
                value = value.name if value is not None else None
                if value is None and field in self.author_fields and old:
                    value = old[index]
            values.append(value)
        return tuple(values)

    def stored_values(self, fields, values):
        """Stored `values` of `fields` with users as usernames."""
        usernames = self.state.usernames
        return tuple(
            usernames.get(value) if field in self.user_fields else value
            for field, value in zip(fields, values, strict=True)
        )

    def set_fields(self, instance, fields, values, importer_pk=None):
        for field, value in zip(fields, values, strict=True):
            if field in self.user_fields:
                if value is None and field in self.author_fields:
                    if instance.pk is None and importer_pk is not None:
                        setattr(instance, f"{field}_id", importer_pk)
                    continue
                setattr(instance, f"{field}_id", user_pk(value))
            else:
                setattr(instance, field, value)


def _shown(value):
    return value.isoformat() if isinstance(value, dt.date) else str(value)


class CertificationsCheck(PartnerRecordCheck):
    fmt = CERTIFICATIONS
    model = PartnerCertification
    update_fields = ("expires_on", "revoked_on", "notes", "recorded_by")
    user_fields = author_fields = ("recorded_by",)

    def check_row(self, row):
        values, line = row.values, row.line
        partner = self.partner(row)
        recorder = self.user(row, "recorded_by")
        level = None
        if values["level"] is not INVALID:
            level = self.lookup(self.state.levels, values["level"], line, "level", "level")
        awarded_on, expires_on = values["awarded_on"], values["expires_on"]
        if partner and level and row.ok:
            if not self.first_time((partner.name, level.name, awarded_on), line):
                return
            if expires_on is None and level.validity_months:
                expires_on = PartnerCertification.default_expiry(level, awarded_on)
        certification = self.instance(
            awarded_on=awarded_on,
            expires_on=expires_on,
            revoked_on=values["revoked_on"],
            notes=values["notes"],
        )
        exclude = ["partner", "level", "recorded_by"]
        if (
            self.obeys_model(certification, row, exclude=exclude)
            and partner
            and level
            and recorder is not INVALID
        ):
            fields = (expires_on, values["revoked_on"], values["notes"], recorder)
            self.rows.append((line, (partner, level, awarded_on, *fields)))

    def finish(self):
        stored = {}
        for partner_pk, level_pk, awarded_on, pk, *rest in rows_of_partners(
            PartnerCertification.objects,
            ("level", "awarded_on", "pk", *self.update_fields),
            self.stored_partner_pks(),
        ):
            stored[partner_pk, level_pk, awarded_on] = (pk, rest)
        for line, values in self.rows:
            partner, level, awarded_on, *fields = values
            key = f"{partner.name}, {level.name}, {awarded_on.isoformat()}"
            pk, rest = stored.get((partner.pk, level.pk, awarded_on), (None, None))
            fields = self.kept(self.update_fields, fields, rest)
            values = (partner, level, awarded_on, *fields)
            old = self.stored_values(self.update_fields, rest) if pk else ()
            new = self.comparable(self.update_fields, fields, old)
            self.plan.add(
                line, values, key, pk=pk, old=old, new=new, columns=self.update_fields, show=_shown
            )

    def build(self, values, user_pk):
        partner, level, awarded_on, *fields = values
        certification = PartnerCertification(
            partner_id=partner.pk, level_id=level.pk, awarded_on=awarded_on
        )
        self.set_fields(certification, self.update_fields, fields, user_pk)
        return certification

    def apply(self, instance, values):
        self.set_fields(instance, self.update_fields, values[3:])


class KeyedRecordCheck(PartnerRecordCheck):
    """A file of records with no natural key, each row keyed by its `id` column: the
    record's primary key, which the export writes and the import keeps (a new record is
    created with that id). A row with no id is matched on `natural`, the partner's stored
    records with the same values in order (the first row to the oldest), and otherwise
    created; so a file written by hand imports twice without doubling."""

    fields = ()  # the row's fields after partner, in the order of `values`
    natural = ()  # the fields that match a row with no id

    @property
    def update_fields(self):
        return self.fields

    def keep_row(self, row, partner, values):
        """Keep a checked row for `finish`; `values` of self.fields."""
        record_id = row.values["id"]
        if record_id is not None and not self.first_time((record_id,), row.line):
            return
        self.rows.append((row.line, (partner, record_id, *values)))

    def records(self):
        """The stored records, with their partner's id as `partner_id`."""
        return self.model.objects.all()

    def finish(self):
        stored = {}  # partner pk -> {pk: values of self.fields}
        for partner_pk, pk, *rest in rows_of_partners(
            self.records(), ("pk", *self.fields), self.stored_partner_pks()
        ):
            stored.setdefault(partner_pk, {})[pk] = rest
        elsewhere = self._ids_of_other_partners(stored)
        claimed = set()
        with_id = [(line, values) for line, values in self.rows if values[1] is not None]
        without_id = [(line, values) for line, values in self.rows if values[1] is None]
        for line, values in with_id:
            partner, record_id = values[:2]
            if record_id in elsewhere:
                self.problem(
                    line,
                    "id",
                    f"{self.model._meta.verbose_name.capitalize()} {record_id} belongs to "
                    f"{elsewhere[record_id]}; leave the id empty for a new one.",
                )
                continue
            found = record_id in stored.get(partner.pk, {})
            claimed.add(record_id)
            self._plan(line, values, record_id if found else None, stored)
        self.plan.explicit_keys = len(self.plan.created)
        for line, values in without_id:
            partner = values[0]
            pk = self._natural_match(stored.get(partner.pk, {}), values, claimed)
            claimed.add(pk)
            self._plan(line, values, pk, stored)
        self.rows_planned(stored)

    def rows_planned(self, stored):
        """After planning: checks across rows (none by default)."""

    def _natural_match(self, records, values, claimed):
        indexes = [self.fields.index(field) for field in self.natural]
        wanted = [values[2 + index] for index in indexes]
        for pk in sorted(records):
            if pk not in claimed and [records[pk][index] for index in indexes] == wanted:
                return pk
        return None

    def _plan(self, line, values, pk, stored):
        partner = values[0]
        rest = stored[partner.pk][pk] if pk is not None else None
        values = (*values[:2], *self.kept(self.fields, values[2:], rest))
        old = self.stored_values(self.fields, rest) if rest is not None else ()
        new = self.comparable(self.fields, values[2:], old)
        key = f"{partner.name}, id {values[1] or pk}" if values[1] or pk else partner.name
        self.plan.add(line, values, key, pk=pk, old=old, new=new, columns=self.fields, show=_shown)

    def _ids_of_other_partners(self, stored):
        """{id: partner name} for the rows' ids that are records of another partner. The
        records by id first, their partners' names after: SQLite, whose statistics may
        date from before an import into an empty database, joined the other way round,
        scanning every partner for each chunk."""
        mine = {pk for records in stored.values() for pk in records}
        wanted = sorted({values[1] for _, values in self.rows if values[1] is not None} - mine)
        owners = {}
        for start in range(0, len(wanted), CHUNK):
            ids = wanted[start : start + CHUNK]
            owners.update(self.records().filter(pk__in=ids).values_list("pk", "partner_id"))
        names = dict(Partner.objects.filter(pk__in=set(owners.values())).values_list("pk", "name"))
        return {pk: names[partner_pk] for pk, partner_pk in owners.items()}

    def build(self, values, user_pk):
        partner, record_id, *fields = values
        record = self.model(pk=record_id, partner_id=partner.pk)
        self.set_fields(record, self.fields, fields, user_pk)
        return record

    def apply(self, instance, values):
        self.set_fields(instance, self.fields, values[2:])


class FeedbackCheck(KeyedRecordCheck):
    fmt = FEEDBACK
    model = PartnerFeedback
    fields = tuple(FEEDBACK.column_names[2:])  # after id and partner
    natural = ("received_on", "comment")
    user_fields = author_fields = ("logged_by",)

    def check_row(self, row):
        values, line = row.values, row.line
        partner = self.partner(row)
        author = self.user(row, "logged_by")
        plain = self.fields[:-1]
        feedback = self.instance(**{field: values[field] for field in plain})
        exclude = ["partner", "logged_by", "rating"]
        ok = self.obeys_model(feedback, row, exclude=exclude) and partner
        if values["rating"] is not INVALID and not 1 <= values["rating"] <= 5:
            self.problem(
                line, "rating", constraint_message(PartnerFeedback, "feedback_rating_1_to_5")
            )
            ok = False
        if ok and author is not INVALID:
            self.keep_row(row, partner, [*(values[field] for field in plain), author])


class ReviewsCheck(KeyedRecordCheck):
    """Remediation reviews; besides each review's own rules, a partner has at most one open
    review per reason, counting its stored reviews."""

    fmt = REVIEWS
    model = RemediationReview
    fields = tuple(REVIEWS.column_names[2:])  # after id and partner
    natural = ("reason", "opened_on")
    user_fields = ("owner",)

    def check_row(self, row):
        values = row.values
        partner = self.partner(row)
        owner = self.user(row, "owner")
        plain = [field for field in self.fields if field != "owner"]
        review = self.instance(**{field: values[field] for field in plain})
        ok = self.obeys_model(review, row, exclude=["partner", "owner"]) and partner
        if ok and owner is not INVALID:
            self.keep_row(row, partner, [owner if f == "owner" else values[f] for f in self.fields])

    def rows_planned(self, stored):
        """Reviews open after the import, per partner and reason: the stored ones the file
        leaves alone and the rows."""
        reason, status = self.fields.index("reason"), self.fields.index("status")
        open_values = set(ReviewStatus.open_values())
        written = {pk: (line, values) for line, pk, values in self.plan.updated}
        opened = {}  # (partner, reason) -> [line or None]
        for line, values in self.plan.created:
            if values[2 + status] in open_values:
                opened.setdefault((values[0].pk or id(values[0]), values[2 + reason]), []).append(
                    line
                )
        for partner_pk, records in stored.items():
            for pk, rest in records.items():
                line, values = written.get(pk, (None, None))
                now = values[2:] if values else rest
                if now[status] in open_values:
                    opened.setdefault((partner_pk, now[reason]), []).append(line)
        message = constraint_message(RemediationReview, "review_one_open_per_partner_and_reason")
        for lines in opened.values():
            if len(lines) > 1:
                for line in lines:
                    if line is not None:
                        self.problem(line, WHOLE_ROW, message)


class ActionItemsCheck(KeyedRecordCheck):
    """Action items, each naming its review by id: a review of the database, or one of
    remediation_reviews.csv (read and written before this file). The review must be a review
    of the row's partner, by which the file is grouped; besides, the item's own rules."""

    fmt = ACTION_ITEMS
    model = ActionItem
    fields = tuple(ACTION_ITEMS.column_names[2:])  # after id and partner
    natural = ("review", "description")
    user_fields = ("owner",)

    def __init__(self, state, problems):
        super().__init__(state, problems)
        self.reviews = {}  # review id -> RemediationReview(pk, partner_id, opened_on)

    def records(self):
        return ActionItem.objects.annotate(partner_id=F("review__partner_id"))

    def prepare(self, rows):
        super().prepare(rows)
        wanted = sorted(
            {row.values["review"] for row in rows if isinstance(row.values["review"], int)}
        )
        for start in range(0, len(wanted), CHUNK):
            for pk, partner_pk, opened_on in RemediationReview.objects.filter(
                pk__in=wanted[start : start + CHUNK]
            ).values_list("pk", "partner_id", "opened_on"):
                self.reviews[pk] = RemediationReview(
                    pk=pk, partner_id=partner_pk, opened_on=opened_on
                )

    def release(self):
        super().release()
        self.reviews = {}

    def check_row(self, row):
        values = row.values
        partner = self.partner(row)
        owner = self.user(row, "owner")
        review = self._review(row, partner)
        item = self.instance(
            review=review,
            description=values["description"],
            due_on=values["due_on"],
            done_on=values["done_on"],
        )
        ok = self.obeys_model(item, row, exclude=["review", "owner"]) and partner and review
        if ok and owner is not INVALID:
            self.keep_row(row, partner, [owner if f == "owner" else values[f] for f in self.fields])

    def _review(self, row, partner):
        """The row's review (None, with a problem, when there is none of that id or it is
        another partner's)."""
        review_id = row.values["review"]
        if review_id is INVALID:
            return None
        review = self.reviews.get(review_id)
        if review is None:
            self.problem(
                row.line,
                "review",
                f"No remediation review {review_id}: give the id of a review of "
                f"{REVIEWS.name} or of this database.",
            )
            return None
        if partner is not None and review.partner_id != partner.pk:
            self.problem(row.line, "review", f"Review {review_id} is not a review of {partner}.")
            return None
        return review

    def set_fields(self, instance, fields, values, importer_pk=None):
        fields = ["review_id" if field == "review" else field for field in fields]
        super().set_fields(instance, fields, values, importer_pk)

    def build(self, values, user_pk):
        _, record_id, *fields = values
        item = ActionItem(pk=record_id)
        self.set_fields(item, self.fields, fields, user_pk)
        return item
