"""The public pages everybody reads and nobody changes by reading — the hall board, the service guide, the chooser —
served from a short-lived cache to visitors without a session (issue 13 point 6: a hall's TV, every villager's phone
and a county's dozen towns ask for the same pages over and over).

Only GET/HEAD requests without a session or any other cookie of the visitor's own (a logged-in cadre always gets
the page fresh), only the views
named here, each with its own lifetime: the board is at most a few seconds old (it refreshes itself anyway; the
calls it speaks come from `/hall/calls.json`, never cached, so a call is on the board as fast as before), the guide
at most a minute after the town office edits a matter. Django's cache middleware does the caching (per process, the
configured cache): it keys on the address, the language and the request headers the response varies on, and stores
no response that sets a cookie — a page with a CSRF form is never shared.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.cache import cache_page

# view name → seconds a copy may be served
PUBLIC_PAGES = {
    "home": 30,
    "town:home": 30,
    "hall": 3,
    "town:hall": 3,
    "cases:guide": 60,
    "cases:guide_detail": 60,
    "town:guide": 60,
    "town:guide_detail": 60,
}
KEY_PREFIX = "public-page"
# Cookies that do not change what a public page shows; any other (the session, a flash message) means a fresh page.
SHARED_COOKIES = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def _shareable(view_func):
    """The board answers htmx's refresh with its inner part (HX-Request): a copy is kept per kind of request. A page
    that put a CSRF token in a form is the asker's own (the token belongs to their cookie): marked private, so the
    cache middleware keeps no copy of it."""

    def view(request, *args, **kwargs):
        response = view_func(request, *args, **kwargs)
        patch_vary_headers(response, ("HX-Request",))
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            patch_cache_control(response, private=True)
        return response

    return view


def shared_copy(view_func, seconds: int):
    """`view_func` answered from a copy at most `seconds` old (Django's cache middleware around it)."""
    return cache_page(seconds, key_prefix=KEY_PREFIX)(_shareable(view_func))


class PublicPageCacheMiddleware:
    """Last in MIDDLEWARE, so every other middleware has seen the request (CSRF, sessions, locale) and sees the
    response, cached or not (security headers, CSP)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.cached = {}

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        seconds = PUBLIC_PAGES.get(match.view_name) if match else None
        if seconds is None or request.method not in ("GET", "HEAD") or set(request.COOKIES) - SHARED_COOKIES:
            return None  # a session (logged in), a flash message …: the page is the asker's own
        if match.view_name not in self.cached:
            self.cached[match.view_name] = shared_copy(view_func, seconds)
        return self.cached[match.view_name](request, *view_args, **view_kwargs)
