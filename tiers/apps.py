from django.apps import AppConfig


class TiersConfig(AppConfig):
    name = "tiers"
    verbose_name = "Program tiers"

    def ready(self):
        # The Tier Advancements figures register how they are counted with freshness.
        from tiers import kpis  # noqa: F401
