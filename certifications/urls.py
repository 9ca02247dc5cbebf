from django.urls import path

from certifications import api, views

app_name = "certifications"

urlpatterns = [
    path("kpi/certification-levels/", views.CertificationLevelsView.as_view(), name="kpi"),
    path(
        "kpi/certification-levels/partners/",
        views.PartnersBehindView.as_view(),
        name="kpi-partners",
    ),
    path(
        "api/kpi/certification-levels/",
        api.CertificationLevelsApi.as_view(),
        name="api-kpi",
    ),
]
