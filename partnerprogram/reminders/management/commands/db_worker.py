from django_tasks_db.management.commands import db_worker

from partnerprogram.reminders.sending import recover_interrupted


class Command(db_worker.Command):
    help = (
        "Run the background worker (django-tasks-db's db_worker). It first queues again the "
        "messages that a killed worker left half sent (REMINDER_CLAIM_TIMEOUT_SECONDS)."
    )

    def handle(self, *args, **options):
        if recovered := recover_interrupted():
            self.stdout.write(f"Queued again {recovered} messages a stopped worker left.")
        return super().handle(*args, **options)
