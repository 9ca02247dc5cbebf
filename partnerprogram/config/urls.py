from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from partnerprogram.accounts.views import LogoutWithMessage
from partnerprogram.daily import dashboard as views

handler400 = "partnerprogram.web.errors.bad_request"
handler500 = "partnerprogram.web.errors.server_error"


@login_not_required
def favicon(request):
    # The static URL is looked up at request time: with DEBUG off it needs collectstatic's
    # manifest, which does not exist yet when `migrate` first loads the URLs.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=False),
        name="login",
    ),
    path("accounts/logout/", LogoutWithMessage.as_view(), name="logout"),
    path("accounts/profile/", include("partnerprogram.accounts.urls")),
    path("", include("certifications.urls")),
    path("", include("tiers.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon, name="favicon"),
    # The schema answers 401 itself (a BI tool sends a token, not a session).
    path("api/schema/", login_not_required(SpectacularJSONAPIView.as_view()), name="api-schema"),
    # A page like the others: anonymous users are sent to log in (REST framework's views
    # leave logging in to their own authentication).
    path(
        "docs/api/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api/docs.html"
            )
        ),
        name="api-docs",
    ),
    path("", include("partnerprogram.daily.urls")),
    path("", include("partnerprogram.reminders.urls")),
]
