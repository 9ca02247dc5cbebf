"""Action items of reviews: partner managers view, add and change them, viewers view them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODEL = ("partnerprogram", "actionitem")


def _permissions(apps, actions):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{MODEL[1]}" for action in actions]
    found = list(
        Permission.objects.filter(content_type__app_label=MODEL[0], codename__in=codenames)
    )
    if len(found) != len(codenames):
        raise RuntimeError("Some permissions are missing; run migrate again.")
    return found


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config(MODEL[0])
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    managers, _ = Group.objects.get_or_create(name="Partner managers")
    managers.permissions.add(*_permissions(apps, ["view", "add", "change"]))
    viewers, _ = Group.objects.get_or_create(name="Viewers")
    viewers.permissions.add(*_permissions(apps, ["view"]))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    everything = _permissions(apps, ["view", "add", "change"])
    for group in Group.objects.filter(name__in=["Partner managers", "Viewers"]):
        group.permissions.remove(*everything)


class Migration(migrations.Migration):
    dependencies = [("partnerprogram", "0018_review_actions")]

    operations = [migrations.RunPython(grant, revoke)]
