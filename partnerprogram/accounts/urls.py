from django.urls import path

from partnerprogram.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.ProfileView.as_view(), name="profile"),
    path("tokens/<int:pk>/revoke/", views.RevokeTokenView.as_view(), name="revoke-token"),
]
