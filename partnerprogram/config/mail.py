"""EMAIL_URL, read like DATABASE_URL, into Django 6.1's MAILERS setting.

    smtp://user:password@host:587?tls=1   SMTP, STARTTLS after connecting (tls=0: plain)
    smtps://user:password@host:465        SMTP over implicit TLS
    console://                            print each message (the default)

The user and password are percent-decoded (a "@" in a password is "%40"); `timeout=SECONDS`
bounds every SMTP operation (default 30, so that a silent server never holds a worker).
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_TIMEOUT = 30
PORTS = {"smtp": 25, "smtps": 465}
FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def mailers_from_url(url):
    """MAILERS for `url` (empty: the console). Raises ImproperlyConfigured, naming what is
    wrong but never the password, when it cannot be read."""
    if not url:
        return {"default": {"BACKEND": CONSOLE}}
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise _invalid(f"it cannot be read ({error})") from None
    if parts.scheme == "console":
        return {"default": {"BACKEND": CONSOLE}}
    if parts.scheme not in PORTS:
        raise _invalid(f"the scheme must be smtp, smtps or console, not {parts.scheme!r}")
    if not parts.hostname:
        raise _invalid("it names no host")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"tls", "timeout"})
    if unknown:
        raise _invalid(f"unknown parameter {', '.join(unknown)} (known: tls, timeout)")
    use_tls = _flag(query, "tls")
    if use_tls and parts.scheme == "smtps":
        raise _invalid("smtps:// is already TLS from the start; tls=1 is for smtp://")
    options = {
        "host": parts.hostname,
        "port": port or PORTS[parts.scheme],
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": use_tls,
        "use_ssl": parts.scheme == "smtps",
        "timeout": _timeout(query),
    }
    return {"default": {"BACKEND": SMTP, "OPTIONS": options}}


def _flag(query, name):
    values = query.get(name)
    if not values:
        return False
    if values[-1].lower() not in FLAGS:
        raise _invalid(f"{name} must be 1 or 0, not {values[-1]!r}")
    return FLAGS[values[-1].lower()]


def _timeout(query):
    values = query.get("timeout")
    if not values:
        return DEFAULT_TIMEOUT
    try:
        seconds = int(values[-1])
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise _invalid(f"timeout must be a whole number of seconds, not {values[-1]!r}")
    return seconds


def _invalid(reason):
    return ImproperlyConfigured(
        f"EMAIL_URL is not a mail server address: {reason}. Expected "
        "smtp://user:password@host:587?tls=1 or smtps://user:password@host:465."
    )
