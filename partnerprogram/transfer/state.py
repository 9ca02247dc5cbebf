"""What an import knows while it checks the files: the program's named records (levels,
tiers, regions and users, loaded once into dicts; partners a chunk at a time), and the plan
of writes.

Named records are `Ref`s: a stand-in that carries the values later files need and, once
written, the primary key. A row of a later file refers to the Ref, so that records created by
the import can be referred to before they exist.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from certifications.models import CertificationLevel
from partnerprogram.models import Partner, Region
from tiers.models import Tier

# The stored fields of a partner that partners.csv sets, in the order of its columns after name.
PARTNER_FIELDS = (
    "partner_type",
    "region",
    "country",
    "account_manager",
    "joined_on",
    "ended_on",
    "contact_email",
    "contact_reminders",
    "website",
    "notes",
)
PREVIEW_ROWS = 200  # changed rows kept per file for the preview
CHUNK = 2000  # ids per `IN (...)` query


class Ref:
    __slots__ = ("pk", "name", "line", "invalid")

    def __init__(self, pk, name, line=None):
        self.pk = pk
        self.name = name
        self.line = line  # the line of the file that names it (None: only in the database)
        self.invalid = False  # its row has a problem: rows referring to it are not checked

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r} pk={self.pk}>"

    def __str__(self):
        return self.name


class RegionRef(Ref):
    __slots__ = ()


class UserRef(Ref):
    """A user, by username; one the import creates (inactive) has no pk until written, and
    `file` and `line` say where it is first named."""

    __slots__ = ("file",)

    def __init__(self, pk, name, line=None, file=None):
        super().__init__(pk, name, line)
        self.file = file


def user_pk(ref):
    return ref.pk if ref is not None else None


class LevelRef(Ref):
    """A level; `texts` its description and criteria as stored."""

    __slots__ = ("rank", "validity_months", "texts")

    def __init__(self, pk, name, line=None, rank=None, validity_months=None, texts=()):
        super().__init__(pk, name, line)
        self.rank, self.validity_months, self.texts = rank, validity_months, texts


class TierRef(Ref):
    """A tier; `texts` its description and benefits as stored."""

    __slots__ = ("rank", "required_level", "texts")

    def __init__(self, pk, name, line=None, rank=None, required_level=None, texts=()):
        super().__init__(pk, name, line)
        self.rank, self.required_level, self.texts = rank, required_level, texts


class PartnerRef(Ref):
    """A partner; `old` holds its stored column values (None for a new one), and
    `joined_on` and `ended_on` its membership as the import leaves it."""

    __slots__ = ("joined_on", "ended_on", "old")

    def __init__(self, pk, name, line=None, old=None):
        super().__init__(pk, name, line)
        self.old = old
        self.joined_on, self.ended_on = (old[4], old[5]) if old else (None, None)


class Partners:
    """The partners of the chunk of rows being checked, by name, read from the database
    when the chunk begins (`load`): the import writes each chunk before the next, so a
    partner that partners.csv adds is read like any other. A partner whose partners.csv row
    was wrong (and so not written) stays known as such: rows naming it are not reported
    again."""

    def __init__(self):
        self._chunk = {}
        self._wrong = set()  # names; as many as partners.csv rows with a problem

    def load(self, names):
        self._wrong.update(name for name, ref in self._chunk.items() if ref.invalid)
        self._chunk = {}
        names = sorted({name for name in names if isinstance(name, str)})
        fields = ("pk", "name", *PARTNER_FIELDS)
        for start in range(0, len(names), CHUNK):
            wanted = names[start : start + CHUNK]
            for pk, name, *old in Partner.objects.filter(name__in=wanted).values_list(*fields):
                self._chunk[name] = PartnerRef(pk, name, old=tuple(old))

    def get(self, name):
        if name in self._wrong:
            ref = PartnerRef(None, name)
            ref.invalid = True
            return ref
        return self._chunk.get(name)

    def add(self, name, line):
        ref = self._chunk[name] = PartnerRef(None, name, line)
        return ref


@dataclass(frozen=True)
class RowChange:
    """A created or updated row, as the preview shows it."""

    line: int
    action: str  # "created" or "updated"
    key: str
    details: str = ""


@dataclass
class FilePlan:
    """What one file will write: rows to create and rows to update, each (line, values), and
    how to turn values into a model instance (`build`) or onto a stored one (`apply`)."""

    name: str
    model: type
    build: object = None  # (values, user_pk) -> unsaved instance
    apply: object = None  # (instance, values) -> None
    update_fields: tuple = ()
    saved: object = None  # (values, saved instance) -> None, after bulk_create
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: int = 0
    changes: list = field(default_factory=list)
    explicit_keys: int = 0  # the first rows of `created` are created with their own pk
    created_count: int = 0  # rows created and updated, kept when the rows are let go
    updated_count: int = 0

    def add(self, line, values, key, *, pk=None, old=(), new=(), columns=(), show=str):
        """Plan a row: created when no stored record matched it (`pk` None), updated when
        the stored `old` values of `columns` differ from the row's `new` ones, else kept."""
        if pk is None:
            self.create(line, values, key)
        elif tuple(old) != tuple(new):
            self.update(line, pk, values, key, describe_changes(columns, old, new, show))
        else:
            self.keep()

    def create(self, line, values, key):
        self.created.append((line, values))
        self._note(RowChange(line, "created", key))

    def update(self, line, pk, values, key, details):
        self.updated.append((line, pk, values))
        self._note(RowChange(line, "updated", key, details))

    def keep(self):
        self.unchanged += 1

    def drop(self, lines, names_records):
        """Leave out the planned rows at `lines`, where a problem was found after they were
        planned (a rank taken twice, two open reviews): the import will be rolled back, and
        what is written meanwhile must obey the database's constraints. The Refs they name
        (`names_records`) become wrong, so that rows naming them are not checked again."""
        if not lines:
            return
        keyed = self.created[: self.explicit_keys]
        for line, values in self.created + [(line, values) for line, _, values in self.updated]:
            if line in lines and names_records:
                values[0].invalid = True
        self.explicit_keys = sum(line not in lines for line, _ in keyed)
        self.created = [entry for entry in self.created if entry[0] not in lines]
        self.updated = [entry for entry in self.updated if entry[0] not in lines]

    def let_go(self):
        """Forget the planned rows once written, keeping their counts and the preview: an
        import holds one chunk of rows at a time."""
        self.created_count += len(self.created)
        self.updated_count += len(self.updated)
        self.created, self.updated, self.explicit_keys = [], [], 0

    def _note(self, change):
        if len(self.changes) < PREVIEW_ROWS:
            self.changes.append(change)

    @property
    def created_rows(self):
        return self.created_count + len(self.created)

    @property
    def updated_rows(self):
        return self.updated_count + len(self.updated)

    @property
    def changed(self):
        return self.created_rows + self.updated_rows

    @property
    def hidden_changes(self):
        """Changed rows the preview leaves out."""
        return self.changed - len(self.changes)


def describe_changes(columns, old, new, show=str):
    """'country: France → Spain; ended_on: (empty) → 2025-01-01' for the columns that differ."""
    parts = []
    for column, before, after in zip(columns, old, new, strict=True):
        if before != after:
            parts.append(f"{column}: {_shown(before, show)} → {_shown(after, show)}")
    return "; ".join(parts)


def _shown(value, show):
    if value is None or value == "":
        return "(empty)"
    return show(value)


class State:
    """The program's named records by name: levels, tiers, regions and users loaded with one
    query per model, partners a chunk at a time. Users are named by username; with
    `create_users`, one that does not exist is created inactive. `moved_windows` (the
    importer's) notes the partners whose membership dates partners.csv moves."""

    def __init__(self, *, create_users=False):
        self.create_users = create_users
        self.new_users = []  # UserRefs the import creates, in the order first named
        self.regions = {}  # lower-cased name -> RegionRef
        self.new_regions = []  # RegionRefs the import creates, in the order first named
        for pk, name in Region.objects.order_by("-pk").values_list("pk", "name"):
            self.regions[name.lower()] = RegionRef(pk, name)  # the oldest wins a case clash
        self.region_names = {ref.pk: ref.name for ref in self.regions.values()}
        User = get_user_model()
        self.users = {
            name: UserRef(pk, name)
            for name, pk in User.objects.values_list(User.USERNAME_FIELD, "pk")
        }
        self.usernames = {ref.pk: name for name, ref in self.users.items()}
        self.levels = {}
        for pk, name, rank, validity, *texts in CertificationLevel.objects.values_list(
            "pk", "name", "rank", "validity_months", "description", "criteria"
        ):
            self.levels[name] = LevelRef(
                pk, name, rank=rank, validity_months=validity, texts=tuple(texts)
            )
        levels_by_pk = {ref.pk: ref for ref in self.levels.values()}
        self.tiers = {}
        for pk, name, rank, level_pk, *texts in Tier.objects.values_list(
            "pk", "name", "rank", "required_level", "description", "benefits"
        ):
            level = levels_by_pk.get(level_pk)
            self.tiers[name] = TierRef(
                pk, name, rank=rank, required_level=level, texts=tuple(texts)
            )
        self.tiers_by_pk = {ref.pk: ref for ref in self.tiers.values()}
        self.partners = Partners()
        self.moved_windows = None

    def region(self, name, line):
        """The region of that name, whatever its case; a new one the first time it is named."""
        ref = self.regions.get(name.lower())
        if ref is None:
            ref = self.regions[name.lower()] = RegionRef(None, name, line)
            self.new_regions.append(ref)
        return ref

    def new_user(self, name, file, line):
        ref = self.users[name] = UserRef(None, name, line, file)
        self.new_users.append(ref)
        return ref

    def new_partner(self, name, line):
        return self.partners.add(name, line)


def rows_of_partners(queryset, fields, partner_pks):
    """The rows (values_list of "partner_id" and `fields`) of `queryset` that belong to the
    partners `partner_pks` (a chunk's), in primary-key order within each partner."""
    partner_pks = sorted(partner_pks)
    queryset = queryset.order_by("partner_id", "pk").values_list("partner_id", *fields)
    for start in range(0, len(partner_pks), CHUNK):
        yield from queryset.filter(partner_id__in=partner_pks[start : start + CHUNK])
