"""Import a whole program from the files of the transfer format, all or nothing.

    result = import_program(source, dry_run=False, user=None, create_users=False, progress=None)

Every file present is read in the order of formats.FORMATS and every row checked (columns,
types, choices, references, the models' rules, each partner's transition chain with what the
database holds). The files of partners and their records are first stored in a temporary
table, then checked a chunk of partners at a time (spill.py), so that an import holds one
chunk of rows in memory whatever the size of its files. One transaction writes each chunk in
bulk as soon as it is checked, and later chunks and files are checked against what it
wrote. Any problem, in any file, or a dry run: the transaction is rolled back, nothing stays
written, and `result.problems` lists every problem. `result` counts the rows created,
updated and unchanged per file.

`user` is who imports through the admin: the rows they may not add or change are problems,
and the history and the "recorded by" of new rows name them. The command passes no user.
A username the files name that does not exist is a problem, or with `create_users` a user
the import creates, inactive.
"""

import time
from dataclasses import dataclass, field

from django.db import transaction

from partnerprogram.transfer import writer
from partnerprogram.transfer.chains import TransitionsCheck
from partnerprogram.transfer.checks import LevelsCheck, PartnersCheck, TiersCheck
from partnerprogram.transfer.formats import FORMATS, PARTNERS, WHOLE_ROW, Problem, read_rows
from partnerprogram.transfer.records import (
    ActionItemsCheck,
    CertificationsCheck,
    FeedbackCheck,
    ReviewsCheck,
)
from partnerprogram.transfer.spill import Spill, WindowMarks, group_of
from partnerprogram.transfer.state import State

CHECKS = {
    check.fmt.name: check
    for check in (
        LevelsCheck,
        TiersCheck,
        PartnersCheck,
        CertificationsCheck,
        TransitionsCheck,
        FeedbackCheck,
        ReviewsCheck,
        ActionItemsCheck,
    )
}
PROGRESS_EVERY = 1024 * 1024  # bytes read between two progress reports


@dataclass
class ImportResult:
    plans: list = field(default_factory=list)  # FilePlans, in the order of the files
    new_regions: list = field(default_factory=list)  # names
    new_users: list = field(default_factory=list)  # usernames
    problems: list = field(default_factory=list)  # Problems, in file and line order
    dry_run: bool = False
    written: bool = False
    seconds: float = 0.0

    @property
    def ok(self):
        return not self.problems

    @property
    def changes_anything(self):
        return bool(self.new_regions or self.new_users) or any(p.changed for p in self.plans)

    @property
    def rows(self):
        return sum(plan.changed + plan.unchanged for plan in self.plans)

    def summary_lines(self):
        """The lines the command prints and the admin shows after an import."""
        lines = [
            f"{plan.name}: {plan.created_rows:,} created, {plan.updated_rows:,} updated, "
            f"{plan.unchanged:,} unchanged"
            for plan in self.plans
        ]
        if self.new_regions:
            lines.append(f"New regions: {', '.join(self.new_regions)}")
        if self.new_users:
            lines.append(f"New users (inactive): {', '.join(self.new_users)}")
        if not self.changes_anything:
            lines.append("Nothing to change: the database already holds every row.")
        elif self.dry_run:
            lines.append("Dry run: the files are valid; nothing was written.")
        return lines


def import_program(source, *, dry_run=False, user=None, create_users=False, progress=None):
    started = time.monotonic()
    result = ImportResult(dry_run=dry_run, problems=list(source.problems))
    state = State(create_users=create_users)
    # One transaction: each chunk of rows is written as soon as it is checked, so that later
    # chunks and files are checked against what the import leaves; a dry run, or any
    # problem, rolls every write back.
    try:
        with (
            transaction.atomic(),
            Spill() as spill,
            WindowMarks() as state.moved_windows,
            writer.Writing(state, user=user) as writing,
        ):
            _check(source, result, state, user, progress, spill, writing)
            if dry_run or not result.ok:
                raise _RolledBack
        result.written = writing.wrote
    except _RolledBack:
        pass
    result.seconds = time.monotonic() - started
    return result


class _RolledBack(Exception):
    """A dry run, or a problem after rows were written: the import's transaction is undone."""


def _check(source, result, state, user, progress, spill, writing):
    for fmt in FORMATS:
        check = CHECKS[fmt.name](state, result.problems)
        if fmt.name in source:
            plan = check.plan
            for chunk, done, total in _chunks(fmt, check, source, result, spill, progress):
                known = len(result.problems)
                check.check(chunk)
                if user is not None:
                    result.problems += _row_permission_problems(plan, user)
                wrong = {p.line for p in result.problems[known:] if p.file == fmt.name}
                plan.drop(wrong, check.names_records)
                writing.write(plan)
                plan.let_go()
                if progress is not None:
                    progress(f"importing {fmt.name}", done, total)
            result.plans.append(plan)
            if user is not None:
                result.problems += _new_record_permission_problems(plan, state, user)
        check.close()
    result.new_regions = [ref.name for ref in state.new_regions]
    result.new_users = [ref.name for ref in state.new_users]
    order = {fmt.name: index for index, fmt in enumerate(FORMATS)}
    result.problems.sort(key=lambda p: (order.get(p.file, -1), p.file, p.line))


def _chunks(fmt, check, source, result, spill, progress):
    """The file's rows in chunks, each with the rows done and the total: one chunk for a
    file of named things, partners' rows grouped through the spill table for the others."""
    with source.open(fmt.name) as stream:
        rows = read_rows(fmt, stream, result.problems, _reporter(fmt.name, source, progress))
        if check.group_column is None:
            rows = list(rows)
            yield rows, len(rows), len(rows)
            return
        spill.fill(rows, group_of(check.group_column), fmt.column_names)
    done = 0
    for chunk in spill.chunks(fmt.column_names):
        done += len(chunk)
        yield chunk, done, spill.count


def _reporter(name, source, progress):
    if progress is None:
        return None
    total, counted = source.size(name), [0, 0]

    def on_line(raw):
        counted[0] += len(raw)
        if counted[0] - counted[1] >= PROGRESS_EVERY:
            counted[1] = counted[0]
            progress(f"reading {name}", counted[0], total)

    return on_line


def _row_permission_problems(plan, user):
    """The rows of a chunk's `plan` that `user` may not add or change (checked before they
    are written; any problem rolls the import back)."""
    problems = []
    opts = plan.model._meta
    for action, rows in (("add", plan.created), ("change", plan.updated)):
        if rows and not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            problems += [
                Problem(
                    plan.name,
                    row[0],
                    WHOLE_ROW,
                    f"You may not {action} {opts.verbose_name_plural}.",
                )
                for row in rows
            ]
    return problems


def _new_record_permission_problems(plan, state, user):
    """The regions and users that the file of `plan` adds and that `user` may not add."""
    problems = []
    if (
        plan.name == PARTNERS.name
        and state.new_regions
        and not user.has_perm("partnerprogram.add_region")
    ):
        problems += [
            Problem(
                PARTNERS.name, ref.line, "region", f"You may not add regions ({ref.name!r} is new)."
            )
            for ref in state.new_regions
        ]
    new_users = [ref for ref in state.new_users if ref.file == plan.name]
    if new_users and not user.has_perm("auth.add_user"):
        problems += [
            Problem(ref.file, ref.line, WHOLE_ROW, f"You may not add users ({ref.name!r} is new).")
            for ref in new_users
        ]
    return problems
