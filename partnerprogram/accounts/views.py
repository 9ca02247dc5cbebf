"""The profile page: who you are, how often your digest comes, your API tokens for BI
tools (make, see, revoke); and logging out with a word that it happened."""

from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView

from partnerprogram.accounts.forms import TokenForm
from partnerprogram.accounts.models import ApiToken
from partnerprogram.reminders.views import preference_form
from partnerprogram.web.mixins import ReadPermissionMixin


class ProfileView(ReadPermissionMixin, TemplateView):
    """GET: the user's tokens. POST: make one, and show its key once, on this response (it
    is stored nowhere, so neither in a message nor in the session)."""

    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", TokenForm())
        context["tokens"] = ApiToken.objects.filter(user=self.request.user)
        context["schema_url"] = reverse("api-docs")
        context["reminder_form"] = preference_form(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        token, key = ApiToken.issue(
            user=request.user, name=form.cleaned_data["name"], expires_on=form.expires_on()
        )
        return self.render_to_response(self.get_context_data(new_token=token, new_key=key))


class RevokeTokenView(ReadPermissionMixin, TemplateView):
    """POST: revoke one of the user's own tokens."""

    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        token.revoke()
        messages.success(request, f"The token “{token.name}” is revoked; it no longer works.")
        return redirect("accounts:profile")


class LogoutWithMessage(LogoutView):
    """Log out, and say so on the login page it leads to."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have been logged out.")
        return response
