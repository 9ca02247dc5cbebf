import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError


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
            )
        )
