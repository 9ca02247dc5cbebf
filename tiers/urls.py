from django.urls import path

from tiers import api, views

app_name = "tiers"

urlpatterns = [
    path("kpi/tier-advancements/", views.TierAdvancementsView.as_view(), name="kpi"),
    path("api/kpi/tier-advancements/", api.TierAdvancementsApi.as_view(), name="api-kpi"),
]
