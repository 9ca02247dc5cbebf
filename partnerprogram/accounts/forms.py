import datetime as dt

from django import forms
from django.utils import timezone

LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("365", "A year"), ("", "Until revoked")]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What it is for, such as “Power BI, finance team”."
    )
    lifetime = forms.ChoiceField(choices=LIFETIMES, required=False, initial="90", label="Works for")

    def expires_on(self):
        days = self.cleaned_data["lifetime"]
        return timezone.localdate() + dt.timedelta(days=int(days)) if days else None
