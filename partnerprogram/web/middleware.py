"""What every request needs: response headers, and one reading of the stored state's day."""

from django.utils.cache import patch_cache_control

from partnerprogram import freshness


class PrivateResponsesMiddleware:
    """Pages, downloads and the API answer with personal data: no browser or shared cache may
    keep them (Cache-Control: private, no-store). Static files, served before this by
    WhiteNoise, stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class OneStateDayMiddleware:
    """Whether stored state answers for a day is asked by every figure of a page; the
    state's day is read once per request (freshness.one_state_day)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with freshness.one_state_day():
            return self.get_response(request)
