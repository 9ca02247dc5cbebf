"""My work: the logged-in user's digest as a page, always current; and where they say how
often the digest comes by email."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from partnerprogram.reminders.digest import digests
from partnerprogram.reminders.forms import ReminderPreferenceForm
from partnerprogram.reminders.models import DigestFrequency, ReminderPreference
from partnerprogram.web.mixins import ReadPermissionMixin

PAGE_ITEMS = 200  # per section: a manager of thousands of partners gets the nearest first


class MyWorkView(ReadPermissionMixin, TemplateView):
    template_name = "reminders/my_work.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        user = self.request.user
        return super().get_context_data(
            today=today,
            sections=digests(today, [user.pk], limit=PAGE_ITEMS).get(user.pk, []),
            **kwargs,
        )


def preference_form(user, data=None):
    preference = ReminderPreference.objects.filter(user=user).first()
    return ReminderPreferenceForm(data, instance=preference or ReminderPreference(user=user))


class ReminderPreferenceView(ReadPermissionMixin, TemplateView):
    """POST: the user's own digest preference (a reader's own setting, like their tokens)."""

    http_method_names = ["post"]

    def post(self, request):
        form = preference_form(request.user, request.POST)
        if not form.is_valid():
            errors = "; ".join(error for errors in form.errors.values() for error in errors)
            messages.error(request, f"Your digest preference was not saved: {errors}")
            return redirect("accounts:profile")
        preference = form.save()
        messages.success(request, f"Digest by email: {describe(preference)}.")
        return redirect("accounts:profile")


def describe(preference):
    if preference.digest == DigestFrequency.WEEKLY:
        return f"once a week, on {preference.get_weekday_display()}"
    return preference.get_digest_display().lower()
