"""The check of tier_transitions.csv: the rule of tiers.services.validate_chain, applied to
every partner at once. Each partner's chain is the file's rows merged with its stored
transitions (loaded in a few queries for all the partners concerned), taken in date order:

- a transition's from tier is the partner's tier on the day before (none: an enrollment);
- one transition per partner per day;
- within the partner's membership (joined on .. ended on), as partners.csv leaves it;
- not in the future, and into another tier (the model's clean()).

The file comes a chunk at a time, each holding all the rows of its partners (spill.py), and
partners.csv is written before: a partner's membership is read as the import leaves it. Once
every chunk is written, `close` looks for stored transitions that partners.csv's new
membership dates leave outside, and reports them at the partners.csv line.
"""

from dataclasses import dataclass

from partnerprogram.models import Partner
from partnerprogram.transfer.checks import FileCheck, constraint_message
from partnerprogram.transfer.formats import INVALID, PARTNERS, TRANSITIONS, Problem
from partnerprogram.transfer.state import rows_of_partners
from tiers.models import TierTransition
from tiers.services import (
    after_ended_message,
    before_joined_message,
    breaks_next_message,
    broken_link_message,
    same_day_message,
)


@dataclass(slots=True)
class Link:
    """A transition in a partner's merged chain; `line` is None for a stored one the file
    leaves alone, `pk` None for a new one."""

    day: object
    from_tier: object
    to_tier: object
    reason: str
    pk: int | None = None
    line: int | None = None
    stored: tuple | None = None  # (from TierRef, reason, author) as stored, if updated
    author: str | None = None  # the username of who recorded it, as stored


def _name(tier):
    return tier.name if tier else None


class TransitionsCheck(FileCheck):
    fmt = TRANSITIONS
    model = TierTransition
    update_fields = ("from_tier", "reason", "recorded_by")
    group_column = "partner"

    def __init__(self, state, problems):
        super().__init__(state, problems)
        self.rows_by_partner = {}  # PartnerRef -> [(line, values)], values[0] the PartnerRef

    def prepare(self, rows):
        self.state.partners.load(row.values["partner"] for row in rows)

    def check_row(self, row):
        values, line = row.values, row.line
        tiers = self.state.tiers
        partner = from_tier = to_tier = None
        if values["partner"] is not INVALID:
            partner = self.lookup(
                self.state.partners, values["partner"], line, "partner", "partner"
            )
        if values["from_tier"] is not None:
            from_tier = self.lookup(tiers, values["from_tier"], line, "from_tier", "tier")
        if values["to_tier"] is not INVALID:
            to_tier = self.lookup(tiers, values["to_tier"], line, "to_tier", "tier")
        day = values["effective_on"]
        recorder = self.user(row, "recorded_by")
        ok = bool(partner and to_tier) and not (values["from_tier"] and not from_tier)
        ok = ok and recorder is not INVALID
        if ok and row.ok and not self.first_time((partner.name, day, to_tier.name), line):
            return
        if to_tier and from_tier is to_tier:
            message = constraint_message(TierTransition, "transition_changes_tier")
            self.problem(line, "to_tier", message)
            ok = False
        transition = self.instance(effective_on=day, reason=values["reason"])
        exclude = ["partner", "from_tier", "to_tier", "recorded_by"]
        if self.obeys_model(transition, row, exclude=exclude) and ok:
            values = (partner, from_tier, to_tier, day, values["reason"], recorder)
            self.rows_by_partner.setdefault(partner, []).append((line, values))

    def finish(self):
        partners = self.rows_by_partner  # in the order of the chunk: the same on every run
        stored = {}
        tiers_by_pk = self.state.tiers_by_pk
        usernames = self.state.usernames
        for partner_pk, pk, from_pk, to_pk, day, reason, author_pk in rows_of_partners(
            TierTransition.objects,
            ("pk", "from_tier", "to_tier", "effective_on", "reason", "recorded_by"),
            {ref.pk for ref in partners if ref.pk is not None},
        ):
            from_tier, to_tier = tiers_by_pk.get(from_pk), tiers_by_pk[to_pk]
            author = usernames.get(author_pk)
            link = Link(day, from_tier, to_tier, reason, pk=pk, author=author)
            stored.setdefault(partner_pk, {})[day] = link
        for partner in partners:
            links = stored.get(partner.pk, {}) if partner.pk else {}
            rows = self.rows_by_partner.get(partner, [])
            if self._check_partner(partner, links, rows):
                self._plan_partner(partner, links, rows)

    def release(self):
        super().release()
        self.rows_by_partner.clear()

    def _check_partner(self, partner, links, rows):
        """Merge the file's rows into the stored links (by day) and check the chain; True when
        it holds."""
        ok = True
        for line, (_, from_tier, to_tier, day, reason, _) in rows:
            link = links.get(day)
            if link is not None and (link.line is not None or link.to_tier is not to_tier):
                self.problem(line, "effective_on", same_day_message(day))
                ok = False
                continue
            stored = (link.from_tier, link.reason, link.author) if link else None
            pk = link.pk if link else None
            links[day] = Link(day, from_tier, to_tier, reason, pk=pk, line=line, stored=stored)
        chain = [links[day] for day in sorted(links)]
        ok = self._check_membership(partner, chain) and ok
        previous = None
        for link in chain:
            tier_before = previous.to_tier if previous else None
            if link.from_tier is not tier_before:
                if link.line is not None:
                    message = broken_link_message(
                        link.day, tier_before=_name(tier_before), from_tier=_name(link.from_tier)
                    )
                    self.problem(link.line, "from_tier", message)
                    ok = False
                elif previous is not None and previous.line is not None:
                    message = breaks_next_message(link.day, _name(link.from_tier))
                    self.problem(previous.line, "to_tier", message)
                    ok = False
                # Two stored links that do not connect: the database's own; not ours to block.
            previous = link
        return ok

    def _check_membership(self, partner, chain):
        ok = True
        joined_on, ended_on = partner.joined_on, partner.ended_on
        for link in chain:
            before = link.day < joined_on
            after = ended_on is not None and link.day > ended_on
            # A stored one outside is partners.csv's problem if it moved the dates (`close`
            # reports it), else the database's own: not ours to block.
            if (before or after) and link.line is not None:
                message = (before_joined_message if before else after_ended_message)(
                    joined_on if before else ended_on
                )
                self.problem(link.line, "effective_on", message)
                ok = False
        return ok

    def close(self):
        moved = self.state.moved_windows.transitions_outside(
            Partner._meta.db_table, TierTransition._meta.db_table
        )
        for line, day, joined_on in moved:
            before = day < joined_on
            column = "joined_on" if before else "ended_on"
            verb = "join after" if before else "end before"
            message = (
                f"The partner has a tier transition on {day.isoformat()}; it cannot {verb} that."
            )
            self.problems.append(Problem(PARTNERS.name, line, column, message))

    def _plan_partner(self, partner, links, rows):
        for line, values in rows:
            day = values[3]
            link = links[day]
            key = f"{partner.name}, {day.isoformat()}, {link.to_tier.name}"
            recorder = values[5]
            old = (_name(link.stored[0]), *link.stored[1:]) if link.stored else ()
            author = recorder.name if recorder else (old[2] if old else None)
            new = (_name(link.from_tier), link.reason, author)
            self.plan.add(
                line, values, key, pk=link.pk, old=old, new=new, columns=self.update_fields
            )

    def build(self, values, user_pk):
        partner, from_tier, to_tier, day, reason, recorder = values
        return TierTransition(
            partner_id=partner.pk,
            from_tier_id=from_tier.pk if from_tier else None,
            to_tier_id=to_tier.pk,
            effective_on=day,
            reason=reason,
            recorded_by_id=recorder.pk if recorder else user_pk,
        )

    def apply(self, instance, values):
        _, from_tier, _, _, instance.reason, recorder = values
        instance.from_tier_id = from_tier.pk if from_tier else None
        if recorder is not None:
            instance.recorded_by_id = recorder.pk
