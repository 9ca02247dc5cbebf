from django.urls import path

from partnerprogram.daily.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.FeedbackListView.as_view(), name="list"),
    path("new/", views.FeedbackCreateView.as_view(), name="create"),
]
