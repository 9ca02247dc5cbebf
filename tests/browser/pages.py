"""Every page of the site that a person opens, declared once: the accessibility test (axe-core
in Chromium) and the HTML test (the Nu HTML Checker) both visit this list, and
test_checked_pages.py fails when a named URL that serves a page is missing from it.

A page names its URL, the records of seed_program() its URL takes, who opens it, and, on a
page whose markup is a third party's (the admin, Swagger UI), the parts of it that the
project's own templates render: the rule is in test_every_page_is_accessible.py."""

import dataclasses
import datetime as dt
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from partnerprogram.models import Partner
from partnerprogram.transfer.jobs import program_import_preview
from partnerprogram.transfer.models import JobState, ProgramImport
from partnerprogram.transfer.views import SAMPLE_DIR
from tests import factories as f

MANAGER, VIEWER, ADMIN, ANONYMOUS = "manager", "viewer", "admin", "anonymous"


@dataclasses.dataclass(frozen=True)
class Page:
    slug: str  # names the screenshots and HTML files
    url_name: str
    args: tuple = ()  # names of the program's records: "partner", "review", "closed_review"
    query: str = ""
    users: tuple = (MANAGER, VIEWER)
    status: int = 200
    # Pages whose markup is a third party's (the admin, Swagger UI): CSS selectors of the
    # parts our templates render in it. None: the whole page is ours.
    own: tuple | None = None

    def url(self, program):
        return reverse(self.url_name, args=[program[name] for name in self.args]) + self.query


ADMIN_PARTNER = "admin:partnerprogram_partner"

PAGES = [
    Page("login", "login", users=(ANONYMOUS,)),
    Page("dashboard", "dashboard"),
    Page("certification-levels", "certifications:kpi"),
    Page(
        "certification-levels-by-tier",
        "certifications:kpi",
        query="?dimension=tier",
    ),
    Page(
        "certification-partners",
        "certifications:kpi-partners",
        query="?show=cumulative&level=Associate",
    ),
    Page("tier-advancements", "tiers:kpi"),
    Page("partners", "partners:list"),
    Page("partner", "partners:detail", args=("partner",)),
    Page(
        "certification-new",
        "partners:certification-create",
        args=("partner",),
        users=(MANAGER,),
    ),
    Page("transition-new", "partners:transition-create", args=("partner",), users=(MANAGER,)),
    Page("feedback", "feedback:list"),
    Page("feedback-new", "feedback:create", users=(MANAGER,)),
    Page("remediation", "remediation:overview"),
    Page("reviews", "remediation:review-list"),
    Page("review", "remediation:review-detail", args=("review",)),
    # A closed review: its action items read-only, no form.
    Page("review-closed", "remediation:review-detail", args=("closed_review",)),
    Page("reviews-overdue-actions", "remediation:review-list", query="?actions=overdue"),
    Page("review-new", "remediation:review-create", users=(MANAGER,)),
    Page("review-edit", "remediation:review-edit", args=("review",), users=(MANAGER,)),
    Page("review-close", "remediation:review-close", args=("review",), users=(MANAGER,)),
    Page("profile", "accounts:profile"),
    Page("my-work", "reminders:my-work"),
    # drf-spectacular's Swagger UI: its markup, not ours (the admin rule applies).
    Page("api-docs", "api-docs", users=(MANAGER,), own=()),
    # What a viewer sees when a page is not theirs, and a record that does not exist.
    Page("forbidden", "feedback:create", users=(VIEWER,), status=403),
    Page("not-found", "partners:detail", args=("missing",), users=(MANAGER,), status=404),
    # The admin: Django's pages, with the parts our templates add.
    Page("admin-index", "admin:index", users=(ADMIN,), own=()),
    Page(
        "admin-partners",
        f"{ADMIN_PARTNER}_changelist",
        users=(ADMIN,),
        own=(".object-tools",),
    ),
    Page("admin-partner", f"{ADMIN_PARTNER}_change", args=("partner",), users=(ADMIN,), own=()),
    # A review with its action items inline.
    Page(
        "admin-review",
        "admin:partnerprogram_remediationreview_change",
        args=("review",),
        users=(ADMIN,),
        own=(),
    ),
    Page(
        "admin-partner-history",
        f"{ADMIN_PARTNER}_history",
        args=("partner",),
        users=(ADMIN,),
        own=("#change-history", ".paginator"),
    ),
    Page(
        "admin-import",
        f"{ADMIN_PARTNER}_import",
        users=(ADMIN,),
        own=(".breadcrumbs", "#content-main"),
    ),
    # A preview the worker has run, with its rows per file and the rows that change.
    Page(
        "admin-import-preview",
        f"{ADMIN_PARTNER}_import_job",
        args=("import_preview",),
        users=(ADMIN,),
        own=(".breadcrumbs", "#content-main"),
    ),
    # A preview with problems: the table of them.
    Page(
        "admin-import-problems",
        f"{ADMIN_PARTNER}_import_job",
        args=("import_problems",),
        users=(ADMIN,),
        own=(".breadcrumbs", "#content-main"),
    ),
    # An import waiting for another (the page follows it with import-progress.js).
    Page(
        "admin-import-waiting",
        f"{ADMIN_PARTNER}_import_job",
        args=("import_waiting",),
        users=(ADMIN,),
        own=(".breadcrumbs", "#content-main"),
    ),
]

# Named URLs that serve no page: JSON, downloads, redirects, and POST-only actions.
NOT_PAGES = {
    "logout": "POST only",
    "favicon": "a redirect to the static file",
    "api-schema": "JSON",
    "accounts:revoke-token": "POST only",
    "certifications:api-kpi": "JSON",
    "tiers:api-kpi": "JSON",
    "api-below-threshold": "JSON",
    "partners:search": "JSON for the partner box",
    "remediation:review-reopen": "POST only",
    "remediation:action-create": "POST only (its form is on the review page)",
    "remediation:action-mark": "POST only",
    "reminders:preference": "POST only",
    f"{ADMIN_PARTNER}_export": "a ZIP download",
    f"{ADMIN_PARTNER}_import_sample": "a ZIP download",
}


def visits(pages=PAGES):
    """(user, page) pairs in the order a test makes them: one login per user."""
    for user in (ANONYMOUS, MANAGER, VIEWER, ADMIN):
        for page in pages:
            if user in page.users:
                yield user, page


def seed_program(make_user, django_user_model):
    """A small demo program (its tables have rows, its charts lines) and the three users;
    returns the records the pages' URLs name."""
    call_command("seed_demo", "--partners", "40", "--seed", "5", stdout=io.StringIO())
    manager = make_user("manager", "Partner managers", first_name="Morgan", last_name="Manager")
    make_user("viewer", "Viewers", first_name="Vic", last_name="Viewer")
    django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    # The partner page with everything on it: certifications, transitions, feedback and an
    # open review (whose pages are checked too); the demo's 40 partners may have none.
    partner = (
        Partner.objects.filter(certifications__isnull=False)
        .exclude(reviews__status__in=["open", "in_progress"])
        .order_by("pk")
        .first()
    )
    f.feedback(partner, received_on=partner.joined_on, comment="Exams <b>booked</b> late.")
    review = f.review(partner, manager, opened_on=partner.joined_on, notes="Call in a week.")
    opened = review.opened_on
    f.action_item(review, "Book the exam", due_on=opened + dt.timedelta(days=5))  # overdue
    f.action_item(
        review,
        "Send the <b>study guide</b>",
        due_on=opened + dt.timedelta(days=3),
        done_on=opened + dt.timedelta(days=2),
    )
    closed = f.review(
        partner,
        manager,
        opened_on=opened,
        reason="other",
        status="resolved",
        outcome="Certified again.",
        closed_on=opened + dt.timedelta(days=20),
    )
    f.action_item(closed, "Confirm the exam date", due_on=opened + dt.timedelta(days=10))
    # The manager's own work (My work): this partner's overdue review and certifications.
    Partner.objects.filter(pk=partner.pk).update(account_manager=manager)
    return {
        "partner": partner.pk,
        "review": review.pk,
        "closed_review": closed.pk,
        "missing": 999_999_999,
        **seed_imports(django_user_model.objects.get(username="admin")),
    }


def seed_imports(admin):
    """The admin's previews (run by the tests' immediate task backend): of the sample
    folder's program files, and of a partners.csv with wrong rows (problems); and an import
    waiting behind another that runs."""
    program_files = [
        (path.name, path.read_bytes())
        for path in sorted(SAMPLE_DIR.glob("*.csv"))
        if path.name != "remediation_reviews.csv"
    ]
    partners = (SAMPLE_DIR / "partners.csv").read_bytes().splitlines()[0]
    wrong = b"\n".join([partners, b"Bad Type Ltd,kiosk,EMEA", b"No Date Inc,reseller,EMEA"])
    problems = preview_of([("partners.csv", wrong + b"\n")], admin)
    preview = preview_of(program_files, admin)
    running = ProgramImport.objects.create(
        user=admin, file_name="partners.csv", state=JobState.RUNNING, started_at=timezone.now()
    )
    waiting = ProgramImport.objects.create(
        user=admin, file_name=preview.file_name, dry_run=False, preview=preview
    )
    assert problems.problems_count and preview.ok and running.pk < waiting.pk
    return {
        "import_preview": preview.pk,
        "import_problems": problems.pk,
        "import_waiting": waiting.pk,
    }


def preview_of(files, user):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, content in files:
            zipped.writestr(f"sample/{name}", content)
    upload = SimpleUploadedFile("partner-program-sample.zip", archive.getvalue())
    job = program_import_preview(upload=upload, user=user, create_users=True)
    job.refresh_from_db()
    return job


def slug_of(user, page, size=None):
    name = f"{page.slug}--{user}"
    return f"{name}--{size[0]}x{size[1]}" if size else name
