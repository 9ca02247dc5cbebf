from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "partnerprogram.transfer"
    label = "transfer"
    verbose_name = "Import and export"
