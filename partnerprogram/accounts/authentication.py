"""How the JSON endpoints know who asks: the session of a logged-in user, or an API token
(`Authorization: Bearer <key>`) made on the user's profile page."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from partnerprogram.accounts.models import ApiToken, digest_of


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword:
            return None
        if len(words) != 2:
            raise AuthenticationFailed("Give the token after “Bearer”, and nothing else.")
        key = words[1].decode("latin-1")
        token = ApiToken.objects.usable().select_related("user").filter(digest=digest_of(key))
        token = token.first()
        if token is None or not token.user.is_active:
            raise AuthenticationFailed("This token is unknown, revoked or expired.")
        token.note_use()
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenScope(BasePermission):
    """A token reads, never writes (its scope is read-only)."""

    message = "This token may only read."

    def has_permission(self, request, view):
        return not isinstance(request.auth, ApiToken) or request.method in SAFE_METHODS


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (per user for a session), at settings API_THROTTLE_RATE."""

    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes BearerTokenAuthentication."""

    target_class = BearerTokenAuthentication
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token made on your profile page.",
        }
