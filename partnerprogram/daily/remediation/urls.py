from django.urls import path

from partnerprogram.daily.remediation import views

app_name = "remediation"

urlpatterns = [
    path("", views.RemediationView.as_view(), name="overview"),
    path("reviews/", views.ReviewListView.as_view(), name="review-list"),
    path("reviews/new/", views.ReviewCreateView.as_view(), name="review-create"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review-detail"),
    path("reviews/<int:pk>/edit/", views.ReviewEditView.as_view(), name="review-edit"),
    path("reviews/<int:pk>/close/", views.ReviewCloseView.as_view(), name="review-close"),
    path("reviews/<int:pk>/reopen/", views.ReviewReopenView.as_view(), name="review-reopen"),
    path("reviews/<int:pk>/actions/", views.ActionItemCreateView.as_view(), name="action-create"),
    path(
        "reviews/<int:pk>/actions/<int:item_pk>/done/",
        views.ActionItemMarkView.as_view(),
        name="action-mark",
    ),
]
