import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from partnerprogram.models import Partner, RemediationReview


class Command(BaseCommand):
    help = (
        "Make sure the demo logins exist: 'demo' (superuser and partner manager) and 'viewer' "
        "(read only), with the password from DEMO_PASSWORD or a new one, printed. Only with "
        "DEBUG on: a production site must not get a known login."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print.")

    def handle(self, *args, url, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to create demo logins with DEBUG off.")
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        User = get_user_model()
        demo, _ = User.objects.get_or_create(
            username="demo", defaults={"first_name": "Demo", "last_name": "Manager"}
        )
        demo.is_staff = demo.is_superuser = True
        demo.set_password(password)
        demo.save()
        demo.groups.add(Group.objects.get(name="Partner managers"))
        manages = give_demo_work(demo)
        viewer, _ = User.objects.get_or_create(
            username="viewer", defaults={"first_name": "Read-only", "last_name": "Viewer"}
        )
        viewer.set_password(password)
        viewer.save()
        viewer.groups.add(Group.objects.get(name="Viewers"))
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Partner Program: {url}\n"
                f"  Log in as   demo / {password}   (partner manager and admin)\n"
                f"  or as     viewer / {password}   (read only)\n"
                f"  demo is the account manager of {manages:,} partners (My work: {url}my-work/)\n"
            )
        )


def give_demo_work(demo):
    """Make `demo` a manager with a day's work, so that My work and the digest show what they
    are for: when it manages no partner, it takes over the partners and open reviews of the
    demo program's manager with the most partners. Returns how many partners it manages."""
    managed = Partner.objects.filter(account_manager=demo)
    if not managed.exists():
        busiest = (
            get_user_model()
            .objects.exclude(pk=demo.pk)
            .annotate(partners=Count("managed_partners"))
            .filter(partners__gt=0)
            .order_by("-partners", "pk")
            .first()
        )
        if busiest is not None:
            with transaction.atomic():
                Partner.objects.filter(account_manager=busiest).update(account_manager=demo)
                RemediationReview.objects.open().filter(owner=busiest).update(owner=demo)
    return managed.count()
