from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import pre_delete


class PartnerProgramConfig(AppConfig):
    name = "partnerprogram"
    verbose_name = "Partner program"

    def ready(self):
        pre_delete.connect(
            forget_snapshots_of_account_manager,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="forget_snapshots_of_account_manager",
        )


def forget_snapshots_of_account_manager(sender, instance, **kwargs):
    """Deleting a user who manages partners empties their account manager field (a bulk
    update, no save()), which moves them between segments of every day: drop the snapshots,
    in the deletion's transaction."""
    from partnerprogram.models import Partner
    from partnerprogram.state import forget_snapshots

    if Partner.objects.filter(account_manager=instance).exists():
        forget_snapshots()
