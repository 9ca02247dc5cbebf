from django.urls import path

from partnerprogram.reminders import views

app_name = "reminders"

urlpatterns = [
    path("my-work/", views.MyWorkView.as_view(), name="my-work"),
    path(
        "accounts/profile/reminders/",
        views.ReminderPreferenceView.as_view(),
        name="preference",
    ),
]
