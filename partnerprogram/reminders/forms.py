from django import forms

from partnerprogram.reminders.models import ReminderPreference


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ["digest", "weekday"]
