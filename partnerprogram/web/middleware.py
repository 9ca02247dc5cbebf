"""Response headers the whole site needs."""

from django.utils.cache import patch_cache_control


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
