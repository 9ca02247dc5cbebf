"""The two roles: "Partner managers" write partner records, "Viewers" only read."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGED = [
    ("partnerprogram", "partner"),
    ("certifications", "partnercertification"),
    ("tiers", "tiertransition"),
    ("partnerprogram", "partnerfeedback"),
    ("partnerprogram", "remediationreview"),
]
# A manager adds the region of a new partner; levels and tiers are the program's design.
MANAGED_REFERENCE = [("partnerprogram", "region")]
READ_ONLY = [
    ("certifications", "certificationlevel"),
    ("tiers", "tier"),
]


def permissions(apps, actions, models):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for action in actions for _, model in models]
    found = list(
        Permission.objects.filter(
            content_type__app_label__in={app for app, _ in models}, codename__in=codenames
        )
    )
    if len(found) != len(codenames):
        raise RuntimeError("Some permissions are missing; run migrate again.")
    return found


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    managers, _ = Group.objects.get_or_create(name="Partner managers")
    managers.permissions.set(
        permissions(apps, ["view", "add", "change"], MANAGED + MANAGED_REFERENCE)
        + permissions(apps, ["view"], READ_ONLY)
    )
    viewers, _ = Group.objects.get_or_create(name="Viewers")
    viewers.permissions.set(permissions(apps, ["view"], MANAGED + MANAGED_REFERENCE + READ_ONLY))


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Partner managers", "Viewers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("partnerprogram", "0002_initial"),
        ("certifications", "0002_initial"),
        ("tiers", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
