from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ProgramAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the program's site (INSTALLED_APPS names it)."""

    default = False
    default_site = "partnerprogram.web.admin.ProgramAdminSite"


class PartnerProgramConfig(AppConfig):
    name = "partnerprogram"
    verbose_name = "Partner program"

    def ready(self):
        # Imported here, as Django asks of code that needs the models: every write of the
        # watched models goes through freshness from now on, and the standing figures
        # register how they are counted.
        from partnerprogram import checks, freshness, kpis  # noqa: F401

        freshness.connect()
        from partnerprogram.web import tables_signatures

        tables_signatures.install()
        # simple-history names the app package as the module of the history models of a
        # models package, but defines them in the models' own module: say where they are
        # (manage.py shell imports every model by its module).
        for model in self.get_models():
            if hasattr(model, "instance_type"):
                model.__module__ = model.instance_type.__module__
