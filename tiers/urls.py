from django.urls import path

from tiers import views

app_name = "tiers"

urlpatterns = [
    path("kpi/tier-advancements/", views.TierAdvancementsView.as_view(), name="kpi"),
    path("api/kpi/tier-advancements/", views.tier_advancements_api, name="api-kpi"),
]
