"""The URLs of the daily work: partners, feedback, remediation, and the below-threshold
endpoint. Included by partnerprogram/urls.py."""

from django.urls import include, path

from .remediation import api

urlpatterns = [
    path("partners/", include("partnerprogram.partners.urls")),
    path("feedback/", include("partnerprogram.feedback.urls")),
    path("remediation/", include("partnerprogram.remediation.urls")),
    path("api/partners/below-threshold/", api.below_threshold, name="api-below-threshold"),
]
