from django.urls import path

from partnerprogram.daily.partners import views

app_name = "partners"

urlpatterns = [
    path("", views.PartnerListView.as_view(), name="list"),
    path("search/", views.PartnerSearchView.as_view(), name="search"),
    path("<int:pk>/", views.PartnerDetailView.as_view(), name="detail"),
    path(
        "<int:pk>/certifications/new/",
        views.CertificationCreateView.as_view(),
        name="certification-create",
    ),
    path(
        "<int:pk>/transitions/new/", views.TransitionCreateView.as_view(), name="transition-create"
    ),
]
