import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_dashboard_greets_the_logged_in_user_with_the_navigation(manager_client):
    response = manager_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert '<h1 class="h3 mb-4">Dashboard</h1>' in response.text
    assert "Morgan Manager" in response.text
