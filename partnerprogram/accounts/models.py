"""What a user holds besides their login: API tokens for BI tools."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

PREFIX = "pp_"
SHOWN = 8  # characters of the key after the prefix kept in clear, to tell tokens apart


def digest_of(key):
    """The stored form of a key: its SHA-256. A key is 256 random bits, so a fast hash
    is enough; the key itself is never stored."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens that are neither revoked nor expired."""
        today = timezone.localdate()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )


class ApiToken(models.Model):
    """A key with which a BI tool reads the JSON endpoints as `user`
    (`Authorization: Bearer <key>`), never more than the user may read and never a write.
    Only a hash of the key is stored: it is shown once, when it is made."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What it is for, such as “Power BI”.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=20, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_on = models.DateField(
        null=True, blank=True, help_text="The last day it works; empty: until revoked."
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name, expires_on=None):
        """Make a token for `user`; returns (token, key). The key is not kept anywhere."""
        key = PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=key[: len(PREFIX) + SHOWN],
            digest=digest_of(key),
            expires_on=expires_on,
        )
        return token, key

    @property
    def status(self):
        if self.revoked_at:
            return "Revoked"
        if self.expires_on and self.expires_on < timezone.localdate():
            return "Expired"
        return "Active"

    def revoke(self):
        if not self.revoked_at:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def note_use(self):
        """Record the use, at most once a minute: not a write on every request."""
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() >= 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
