"""The URLs of the daily work: partners, feedback, remediation, and the below-threshold
endpoint. Included by partnerprogram/urls.py."""

from django.urls import include, path

from partnerprogram.daily.remediation import api

urlpatterns = [
    path("partners/", include("partnerprogram.daily.partners.urls")),
    path("feedback/", include("partnerprogram.daily.feedback.urls")),
    path("remediation/", include("partnerprogram.daily.remediation.urls")),
    path(
        "api/partners/below-threshold/",
        api.BelowThresholdApi.as_view(),
        name="api-below-threshold",
    ),
]
