import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from partnerprogram.locks import only_one
from partnerprogram.reminders.outbox import queue_reminders
from partnerprogram.reminders.sending import recover_interrupted


class Command(BaseCommand):
    help = (
        "The nightly job: refresh_state, then queue today's digests and expiry reminders for "
        "the worker to send. Start it on every host: one runs, the others say so and stop. "
        "Run twice in a day, it sends nothing twice."
    )

    def handle(self, *args, **options):
        with only_one("nightly") as held:
            if not held:
                self.stdout.write("Another nightly job is running; this one stops.")
                return
            call_command("refresh_state", stdout=self.stdout)
            self.step("Messages left by a stopped worker, queued again", recover_interrupted)
            today = timezone.localdate()
            queued = self.step("Reminders queued", queue_reminders, today)
            self.stdout.write(
                f"  {queued.digests} digests, {queued.expiry_reminders} expiry reminders "
                f"({queued.already_logged} logged before, not sent again)"
            )

    def step(self, label, work, *args):
        started = time.monotonic()
        result = work(*args)
        shown = f" ({result})" if isinstance(result, int) else ""
        self.stdout.write(f"{label}{shown}: {time.monotonic() - started:.1f} s")
        return result
