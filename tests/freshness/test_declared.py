"""partnerprogram.freshness.feeds is the whole truth: every field of every model of the
program is declared, every model whose rows are written is watched, and every kept figure
has its computation."""

from django.apps import apps

from partnerprogram.checks import kept_figures_are_registered
from partnerprogram.freshness import FIGURES, feeds
from partnerprogram.freshness.kept import KEEP, registered
from partnerprogram.models import KeptCount, ProgramState, WatchedModel

APPS = ("partnerprogram", "certifications", "tiers")
KEPT_STATE = {KeptCount, ProgramState}  # what freshness keeps, not what feeds it


def program_models():
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model in KEPT_STATE or model.__name__.startswith("Historical"):
                continue
            yield model


def test_every_model_of_the_program_is_watched_and_declared():
    for model in program_models():
        assert issubclass(model, WatchedModel), f"{model._meta.label} is not a WatchedModel"
        assert model._meta.label in feeds.SOURCES, f"{model._meta.label} is not in feeds"


def test_every_field_feeds_something_or_is_declared_inert():
    """A field added to a model fails here until feeds.py says what it feeds."""
    for model in program_models():
        source = feeds.SOURCES[model._meta.label]
        declared = [*source.feeds, *source.inert, *source.derived]
        assert len(declared) == len(set(declared)), f"{model._meta.label}: declared twice"
        fields = {field.name for field in model._meta.concrete_fields}
        assert fields == set(declared), (
            f"{model._meta.label}: undeclared {sorted(fields - set(declared))}, "
            f"declared but missing {sorted(set(declared) - fields)}"
        )


def test_declared_dates_and_figures_exist():
    for label, source in feeds.SOURCES.items():
        model = apps.get_model(label)
        names = {field.name for field in model._meta.concrete_fields}
        for fed in [*source.feeds.values(), source.rows]:
            assert fed.since == feeds.EVERY_DAY or fed.since in names, (label, fed)
            assert set(fed.figures) <= set(FIGURES), (label, fed)
            assert set(fed.stored) <= set(feeds.STORED), (label, fed)


def test_every_kept_figure_has_its_computation_and_a_policy():
    assert all(registered(name) for name in FIGURES)
    assert set(KEEP) == set(FIGURES)
    # The check itself: running every check would reach the database (JSONField's).
    assert kept_figures_are_registered(None) == []
