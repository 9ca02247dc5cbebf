from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "partnerprogram.reminders"
    label = "reminders"
    verbose_name = "Reminders"
