"""The checks of the files of a partner's dated records: certifications and feedback. A row
is checked by itself first; `finish` then loads the stored records of the partners named (a
few queries, whatever the number of rows) and plans each row as a create, an update or
nothing."""

from certifications.models import PartnerCertification
from partnerprogram.models import PartnerFeedback
from partnerprogram.transfer.checks import FileCheck, constraint_message
from partnerprogram.transfer.formats import CERTIFICATIONS, FEEDBACK, INVALID
from partnerprogram.transfer.state import rows_of_partners


class PartnerRecordCheck(FileCheck):
    """A file whose rows each belong to a partner named in the `partner` column."""

    def __init__(self, state, problems):
        super().__init__(state, problems)
        self.rows = []  # (line, values) of the rows that passed, values[0] the PartnerRef

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


class CertificationsCheck(PartnerRecordCheck):
    fmt = CERTIFICATIONS
    model = PartnerCertification
    update_fields = ("expires_on", "revoked_on")

    def check_row(self, row):
        values, line = row.values, row.line
        partner = self.partner(row)
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
            awarded_on=awarded_on, expires_on=expires_on, revoked_on=values["revoked_on"]
        )
        exclude = ["partner", "level", "recorded_by", "notes"]
        if self.obeys_model(certification, row, exclude=exclude) and partner and level:
            self.rows.append((line, (partner, level, awarded_on, expires_on, values["revoked_on"])))

    def finish(self):
        stored = {}
        for partner_pk, level_pk, awarded_on, pk, *dates in rows_of_partners(
            PartnerCertification.objects,
            ("level", "awarded_on", "pk", "expires_on", "revoked_on"),
            self.stored_partner_pks(),
        ):
            stored[partner_pk, level_pk, awarded_on] = (pk, tuple(dates))
        for line, values in self.rows:
            partner, level, awarded_on, *dates = values
            key = f"{partner.name}, {level.name}, {awarded_on.isoformat()}"
            pk, old = stored.get((partner.pk, level.pk, awarded_on), (None, ()))
            self.plan.add(
                line, values, key, pk=pk, old=old, new=dates, columns=self.update_fields, show=_iso
            )

    def build(self, values, user_pk):
        partner, level, awarded_on, expires_on, revoked_on = values
        return PartnerCertification(
            partner_id=partner.pk,
            level_id=level.pk,
            awarded_on=awarded_on,
            expires_on=expires_on,
            revoked_on=revoked_on,
            recorded_by_id=user_pk,
        )

    def apply(self, instance, values):
        instance.expires_on, instance.revoked_on = values[3:]


def _iso(value):
    return value.isoformat()


class FeedbackCheck(PartnerRecordCheck):
    """Feedback has no unique key: two entries of one partner on one day may say the same.
    Rows sharing a key are matched in order to the stored entries with that key (the first
    row to the oldest entry), so that an exported file imports back unchanged."""

    fmt = FEEDBACK
    model = PartnerFeedback
    update_fields = ("channel", "topic", "rating")

    def check_row(self, row):
        values, line = row.values, row.line
        partner = self.partner(row)
        feedback = self.instance(
            received_on=values["received_on"],
            channel=values["channel"],
            topic=values["topic"],
            comment=values["comment"],
        )
        exclude = ["partner", "logged_by", "follow_up_needed", "rating"]
        ok = self.obeys_model(feedback, row, exclude=exclude) and partner
        if values["rating"] is not INVALID and not 1 <= values["rating"] <= 5:
            self.problem(
                line, "rating", constraint_message(PartnerFeedback, "feedback_rating_1_to_5")
            )
            ok = False
        if ok:
            fields = ("received_on", "channel", "topic", "rating", "comment")
            self.rows.append((line, (partner, *(values[field] for field in fields))))

    def finish(self):
        stored = {}
        for partner_pk, received_on, comment, pk, *rest in rows_of_partners(
            PartnerFeedback.objects,
            ("received_on", "comment", "pk", "channel", "topic", "rating"),
            self.stored_partner_pks(),
        ):
            stored.setdefault((partner_pk, received_on, comment), []).append((pk, tuple(rest)))
        for line, values in self.rows:
            partner, received_on, channel, topic, rating, comment = values
            key = f"{partner.name}, {received_on.isoformat()}"
            matches = stored.get((partner.pk, received_on, comment))
            pk, old = matches.pop(0) if matches else (None, ())
            new = (channel, topic, rating)
            self.plan.add(line, values, key, pk=pk, old=old, new=new, columns=self.update_fields)

    def build(self, values, user_pk):
        partner, received_on, channel, topic, rating, comment = values
        return PartnerFeedback(
            partner_id=partner.pk,
            received_on=received_on,
            channel=channel,
            topic=topic,
            rating=rating,
            comment=comment,
            logged_by_id=user_pk,
        )

    def apply(self, instance, values):
        instance.channel, instance.topic, instance.rating = values[2:5]
