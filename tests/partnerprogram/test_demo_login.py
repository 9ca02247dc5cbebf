"""`ensure_demo_login` gives the demo user a manager's day, so that My work shows it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from partnerprogram.models import Partner, RemediationReview
from tests import factories as f

pytestmark = pytest.mark.django_db


def login(out=None):
    with override_settings(DEBUG=True):
        call_command("ensure_demo_login", stdout=out or StringIO())


def test_demo_takes_over_the_busiest_managers_partners_and_open_reviews(django_user_model):
    ada = django_user_model.objects.create(username="ada")
    bob = django_user_model.objects.create(username="bob")
    # Ada manages two partners, Bob one: Ada's are the ones the demo user takes.
    first = f.partner("First", account_manager=ada)
    second = f.partner("Second", account_manager=ada)
    bobs = f.partner("Bob's", account_manager=bob)
    open_review = f.review(first, ada)
    closed = f.review(
        second,
        ada,
        reason="other",
        status="resolved",
        outcome="Certified again.",
        closed_on=open_review.opened_on,
    )
    out = StringIO()

    login(out)

    demo = django_user_model.objects.get(username="demo")
    assert set(Partner.objects.filter(account_manager=demo)) == {first, second}
    assert Partner.objects.get(pk=bobs.pk).account_manager == bob
    # The open review is the demo user's work now; the closed one stays Ada's record.
    assert RemediationReview.objects.get(pk=open_review.pk).owner == demo
    assert RemediationReview.objects.get(pk=closed.pk).owner == ada
    assert "account manager of 2 partners" in out.getvalue()


def test_demo_keeps_its_partners_on_later_runs(django_user_model):
    ada = django_user_model.objects.create(username="ada")
    f.partner("First", account_manager=ada)
    login()
    demo = django_user_model.objects.get(username="demo")
    later = f.partner("Later", account_manager=ada)  # Ada is a manager again

    login()

    assert Partner.objects.get(pk=later.pk).account_manager == ada
    assert Partner.objects.filter(account_manager=demo).count() == 1
