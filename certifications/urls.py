from django.urls import path

from certifications import views

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
        views.certification_levels_api,
        name="api-kpi",
    ),
]
