from django.apps import AppConfig


class PartnerProgramConfig(AppConfig):
    name = "partnerprogram"
    verbose_name = "Partner program"

    def ready(self):
        # Imported here, as Django asks of code that needs the models: every write of the
        # watched models goes through freshness from now on, and the standing figures
        # register how they are counted.
        from partnerprogram import checks, freshness, kpis  # noqa: F401

        freshness.connect()
