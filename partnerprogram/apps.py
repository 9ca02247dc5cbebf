from django.apps import AppConfig


class PartnerProgramConfig(AppConfig):
    name = "partnerprogram"
    verbose_name = "Partner program"
