from django.apps import AppConfig


class CertificationsConfig(AppConfig):
    name = "certifications"
    verbose_name = "Certifications"

    def ready(self):
        # The Certification Levels figures register how they are counted with freshness.
        from certifications import cube, kpis  # noqa: F401
