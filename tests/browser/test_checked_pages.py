"""The list of pages that the accessibility and HTML checks visit (pages.py) is complete: every
named URL of the site, and every page our admins add, is on it or said not to be a page."""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.browser.pages import NOT_PAGES, PAGES

# The pages every model admin gets from Django (and simple-history); the list holds a few of
# them as samples. Any other admin URL is one of ours and must be listed.
DJANGO_ADMIN_SUFFIXES = (
    "_changelist",
    "_add",
    "_change",
    "_delete",
    "_history",
    "_simple_history",
    "_password_change",
)
DJANGO_ADMIN_SITE = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
}


def named_urls(patterns=None, namespace=None):
    """The name of every URL pattern, with its namespace."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and ":".join(filter(None, [namespace, pattern.name]))
            if name or namespace != "admin":  # the admin's redirect from an object's bare URL
                yield name


def is_django_admin(name):
    local = name.removeprefix("admin:")
    return local in DJANGO_ADMIN_SITE or local.endswith(DJANGO_ADMIN_SUFFIXES)


def test_every_named_page_of_the_site_is_checked():
    listed = {page.url_name for page in PAGES}
    urls = set(named_urls())
    assert None not in urls, "name every URL, so that pages.py can list it"
    ours = {name for name in urls if not is_django_admin(name)}
    missing = sorted(ours - listed - set(NOT_PAGES))
    assert missing == [], f"add these pages to tests/browser/pages.py (or NOT_PAGES): {missing}"
    stale = sorted((listed | set(NOT_PAGES)) - urls)
    assert stale == [], f"no such URL names: {stale}"


def test_the_admin_pages_checked_include_an_index_a_list_and_a_form():
    listed = {page.url_name for page in PAGES}
    assert {"admin:index", "admin:partnerprogram_partner_changelist"} <= listed
    assert "admin:partnerprogram_partner_change" in listed
