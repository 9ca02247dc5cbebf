"""The checks of the files that name things: certification levels, tiers and partners. Each
row is checked against the model's own rules (its field validators and clean()), its
references are resolved through the State, and it is planned as a create, an update or
nothing.

FileCheck is the base of every file's check (see records.py and chains.py for the others).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from certifications.models import CertificationLevel
from partnerprogram.models import Partner, Region
from partnerprogram.transfer.formats import (
    INVALID,
    KEEP,
    LEVELS,
    PARTNERS,
    TIERS,
    WHOLE_ROW,
    Problem,
)
from partnerprogram.transfer.state import (
    PARTNER_FIELDS,
    FilePlan,
    LevelRef,
    TierRef,
    describe_changes,
    user_pk,
)
from tiers.models import Tier


def constraint_message(model, name):
    """The message a model's database constraint gives, so that the import says the same."""
    constraint = next(c for c in model._meta.constraints if c.name == name)
    return str(constraint.violation_error_message)


class FileCheck:
    """Checks the rows of one file, a chunk at a time: `prepare` loads what the chunk's rows
    refer to, `check_row` checks each row, then `finish` what needs every row of the chunk
    (the database's rows of the same kind, duplicates). With `group_column`, the file comes
    in chunks that hold all the rows naming the same partner in that column (see spill.py);
    without, in one chunk. `close` runs after the last chunk."""

    fmt = None
    model = None
    update_fields = ()
    names_records = False  # True: each row's values start with the Ref it names
    group_column = None

    def __init__(self, state, problems):
        self.state = state
        self.problems = problems
        self.plan = FilePlan(
            self.fmt.name,
            self.model,
            build=self.build,
            apply=self.apply,
            update_fields=self.update_fields,
            saved=self.saved,
        )
        self._first_lines = {}
        self._instance = None

    def instance(self, **values):
        """The model instance the model's rules run on, holding one row's values. One per
        file, refilled for each row: building an instance per row took a third of the
        checks' time."""
        if self._instance is None:
            self._instance = self.model()
        for name, value in values.items():
            setattr(self._instance, name, value)
        return self._instance

    def problem(self, line, column, message):
        self.problems.append(Problem(self.fmt.name, line, column, message))

    def first_time(self, key, line):
        """False (and a problem) when a row with the same natural key came before."""
        first = self._first_lines.setdefault(key, line)
        if first == line:
            return True
        if len(self.fmt.key) == 1:
            self.problem(line, self.fmt.key[0], f"{key[0]!r} is already on line {first}.")
        else:
            columns = ", ".join(self.fmt.key[:-1]) + f" and {self.fmt.key[-1]}"
            self.problem(line, WHOLE_ROW, f"The same {columns} as line {first}.")
        return False

    def obeys_model(self, instance, row, exclude, columns=None):
        """Run the model's field checks and clean() on `instance`, built from `row`; report
        what they say, at the column of the same name as the field (or the one `columns`
        maps it to). Fields whose cell did not parse are left out, and clean() (which
        compares fields) needs every cell: so a row says all it can at once. True when the
        row is good."""
        line = row.line
        left_out = (INVALID, KEEP)
        exclude = [*exclude, *(name for name, value in row.values.items() if value in left_out)]
        errors = {}
        checks = [lambda: instance.clean_fields(exclude=exclude)]
        if row.ok:
            checks.append(instance.clean)
        for check in checks:
            try:
                check()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        for field, field_errors in errors.items():
            column = WHOLE_ROW if field == NON_FIELD_ERRORS else (columns or {}).get(field, field)
            for message in ValidationError(field_errors).messages:
                self.problem(line, column, message)
        return row.ok and not errors

    def lookup(self, refs, name, line, column, what):
        """The Ref of that name; None (with a problem) when unknown. A Ref whose own row was
        wrong gives None quietly: its problem is reported once, at its own row."""
        ref = refs.get(name)
        if ref is None:
            self.problem(line, column, f"Unknown {what} {name!r}.")
            return None
        return None if ref.invalid else ref

    def kept(self, fields, new, old):
        """`new` values of `fields` with each KEEP (a column the file left out) replaced by
        the `old` stored value, or by the field's default for a new record (`old` None)."""
        if KEEP not in new:
            return tuple(new)
        if old is None:
            old = [self.model._meta.get_field(field).get_default() for field in fields]
        return tuple(o if n is KEEP else n for n, o in zip(new, old, strict=True))

    def user(self, row, column):
        """The UserRef of the user the cell names by username (None when empty); INVALID,
        with a problem, when there is none and the import does not create users."""
        name = row.values[column]
        if name is None or name is INVALID:
            return name
        ref = self.state.users.get(name)
        if ref is not None:
            return ref
        if not self.state.create_users:
            self.problem(
                row.line,
                column,
                f"No user {name!r}: add the user first, or let the import create missing "
                "users (inactive).",
            )
            return INVALID
        User = get_user_model()
        try:
            User._meta.get_field(User.USERNAME_FIELD).clean(name, None)
        except ValidationError as error:
            for message in error.messages:
                self.problem(row.line, column, f"{name!r} cannot be a username: {message}")
            return INVALID
        return self.state.new_user(name, self.fmt.name, row.line)

    def check(self, rows):
        """Check a chunk of rows and plan its writes. Only the plan is kept: the check's
        own lists are emptied, as the plan's build and apply keep the check alive."""
        self.prepare(rows)
        for row in rows:
            self.check_row(row)
        self.finish()
        self.release()
        return self.plan

    def release(self):
        self._first_lines.clear()

    def prepare(self, rows):
        pass

    def check_row(self, row):
        raise NotImplementedError

    def finish(self):
        pass

    def close(self):
        pass

    def build(self, values, user_pk):
        raise NotImplementedError

    def apply(self, instance, values):
        for field, value in zip(self.update_fields, values[1:], strict=True):
            setattr(instance, field, value)

    def saved(self, values, instance):
        if self.names_records:
            values[0].pk = instance.pk  # later files refer to the Ref


class RankedCheck(FileCheck):
    """Levels and tiers: named, each with its own rank."""

    names_records = True
    refs_attr = None
    ref_class = None
    what = None

    def named(self, row):
        """The Ref of the row's name, new or stored, marked invalid until the row passed;
        None when the row has no name of its own."""
        name = row.values["name"]
        if name is INVALID or not self.first_time((name,), row.line):
            return None
        refs = getattr(self.state, self.refs_attr)
        ref = refs.get(name)
        if ref is None:
            ref = refs[name] = self.ref_class(None, name, row.line)
        ref.line = row.line
        ref.invalid = True
        return ref

    def plan_row(self, ref, line, new, old):
        columns = self.update_fields
        self.plan.add(line, (ref, *new), ref.name, pk=ref.pk, old=old, new=new, columns=columns)

    def finish(self):
        by_rank = {}
        for ref in getattr(self.state, self.refs_attr).values():
            by_rank.setdefault(ref.rank, []).append(ref)
        for rank, refs in by_rank.items():
            if rank is None or len(refs) < 2:
                continue
            for ref in refs:
                if ref.line is not None:
                    others = ", ".join(sorted(other.name for other in refs if other is not ref))
                    self.problem(
                        ref.line,
                        "rank",
                        f"Rank {rank} is also the rank of {others}; each {self.what} has its "
                        "own rank.",
                    )


class LevelsCheck(RankedCheck):
    fmt = LEVELS
    model = CertificationLevel
    update_fields = ("rank", "validity_months", "description", "criteria")
    refs_attr, ref_class, what = "levels", LevelRef, "level"

    def check_row(self, row):
        ref = self.named(row)
        if ref is None:
            return
        values = row.values
        new = tuple(values[field] for field in self.update_fields)
        level = self.instance(name=ref.name, **dict(zip(self.update_fields, new, strict=True)))
        ok = self.obeys_model(level, row, exclude=[])
        if new[1] is not None and new[1] is not INVALID and new[1] < 1:
            message = constraint_message(CertificationLevel, "level_validity_positive")
            self.problem(row.line, "validity_months", message)
            ok = False
        if not ok:
            return
        ref.invalid = False
        old = (ref.rank, ref.validity_months, *ref.texts) if ref.pk else None
        new = self.kept(self.update_fields, new, old)
        ref.rank, ref.validity_months, *texts = new
        ref.texts = tuple(texts)
        self.plan_row(ref, row.line, new, old)

    def build(self, values, user_pk):
        level = CertificationLevel(name=values[0].name)
        self.apply(level, values)
        return level


class TiersCheck(RankedCheck):
    fmt = TIERS
    model = Tier
    update_fields = ("rank", "required_level", "description", "benefits")
    refs_attr, ref_class, what = "tiers", TierRef, "tier"

    def check_row(self, row):
        ref = self.named(row)
        if ref is None:
            return
        values = row.values
        level = None
        if values["required_level"] is not None:
            level = self.lookup(
                self.state.levels, values["required_level"], row.line, "required_level", "level"
            )
        texts = (values["description"], values["benefits"])
        tier = self.instance(name=ref.name, rank=values["rank"])
        tier.description, tier.benefits = texts
        if not self.obeys_model(tier, row, exclude=["required_level"]):
            return
        if values["required_level"] is not None and level is None:
            return
        ref.invalid = False
        old = (ref.rank, ref.required_level, *ref.texts) if ref.pk else None
        new = self.kept(self.update_fields, (values["rank"], level, *texts), old)
        ref.rank, ref.required_level, ref.texts = new[0], level, new[2:]
        self.plan_row(ref, row.line, new, old)

    def build(self, values, user_pk):
        tier = Tier(name=values[0].name)
        self.apply(tier, values)
        return tier

    def apply(self, instance, values):
        _, instance.rank, level, instance.description, instance.benefits = values
        instance.required_level_id = level.pk if level else None


class PartnersCheck(FileCheck):
    fmt = PARTNERS
    model = Partner
    update_fields = PARTNER_FIELDS
    names_records = True
    group_column = "name"  # a name twice in the file comes in one chunk

    def __init__(self, state, problems):
        super().__init__(state, problems)
        self._moved = []  # (pk, line) of the chunk's partners whose membership dates move

    def prepare(self, rows):
        self.state.partners.load(row.values["name"] for row in rows)

    def finish(self):
        self.state.moved_windows.mark(self._moved)
        self._moved = []

    def check_row(self, row):
        values, line = row.values, row.line
        name = values["name"]
        if name is INVALID or not self.first_time((name,), line):
            return
        ref = self.state.partners.get(name) or self.state.new_partner(name, line)
        ref.line = line
        ref.invalid = True  # until every check passed
        manager = self.user(row, "account_manager")
        simple = (
            "partner_type",
            "country",
            "joined_on",
            "ended_on",
            "contact_email",
            "contact_reminders",
            "website",
            "notes",
        )
        partner = self.instance(name=name, **{field: values[field] for field in simple})
        exclude = ["region", "account_manager", "current_tier"]
        ok = self.obeys_model(partner, row, exclude=exclude) and manager is not INVALID
        if values["region"] is INVALID:
            return
        region = self.state.region(values["region"], line)
        if region.pk is None:
            new_region = Region(name=region.name)
            ok = self.obeys_model(new_region, row, exclude=[], columns={"name": "region"}) and ok
        if not ok:
            return
        ref.invalid = False
        new = [values[field] for field in PARTNER_FIELDS]  # in the order of PARTNER_FIELDS
        new[1], new[3] = region, manager
        new = list(self.kept(PARTNER_FIELDS, new, ref.old))
        if ref.old is None:
            ref.joined_on, ref.ended_on = values["joined_on"], values["ended_on"]
            self.plan.create(line, (ref, *new), name)
            return
        comparable = (new[0], region.pk, new[2], user_pk(manager), *new[4:])
        if comparable == ref.old:
            self.plan.keep()
            return
        joined_on, ended_on = values["joined_on"], values["ended_on"]
        if (ref.joined_on, ref.ended_on) != (joined_on, ended_on):
            self._moved.append((ref.pk, line))
        ref.joined_on, ref.ended_on = joined_on, ended_on
        details = describe_changes(PARTNER_FIELDS, self._shown(ref.old), self._shown(comparable))
        self.plan.update(line, ref.pk, (ref, *new), name, details)

    def _shown(self, values):
        partner_type, region_pk, country, manager_pk, *rest = values
        region = self.state.region_names.get(region_pk, "(new region)")
        return (partner_type, region, country, self.state.usernames.get(manager_pk), *rest)

    def build(self, values, user_pk):
        partner = Partner(name=values[0].name)
        self.apply(partner, values)
        return partner

    def apply(self, instance, values):
        _, partner_type, region, *rest = values
        instance.partner_type = partner_type
        instance.region_id = region.pk
        instance.country, manager, *rest = rest
        instance.account_manager_id = user_pk(manager)
        instance.joined_on, instance.ended_on, instance.contact_email, *rest = rest
        instance.contact_reminders, instance.website, instance.notes = rest
