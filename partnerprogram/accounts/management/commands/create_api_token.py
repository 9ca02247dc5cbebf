import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from partnerprogram.accounts.models import ApiToken


class Command(BaseCommand):
    help = (
        "Make a read-only API token for a user and print its key (shown this once). For "
        "scripts and CI; people make theirs on their profile page."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Command line")
        parser.add_argument("--days", type=int, default=None, help="How long it works.")

    def handle(self, *args, username, name, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is named {username!r}.")
        expires_on = timezone.localdate() + dt.timedelta(days=days) if days else None
        _, key = ApiToken.issue(user=user, name=name, expires_on=expires_on)
        self.stdout.write(key)
