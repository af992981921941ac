"""Security headers on every kind of page, and no inline script or style anywhere (issue 8, point 4).

The Content-Security-Policy forbids inline script and style, so a template that slips one back in would break in
the browser (a print button that does nothing, a page without its layout). The scans here catch that before a
browser does: every template file, and the HTML the main pages and every admin list and form actually send.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import MarketDayFactory, open_case, stamp

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
README = Path(settings.BASE_DIR) / "README.md"

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS = {"camera": "()", "microphone": "()", "geolocation": "()", "payment": "()", "usb": "()"}

# What the policy refuses in a page. Each pattern names the problem it reports.
INLINE = {
    "inline <script> without src": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "on…= handler attribute": re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.IGNORECASE),
    'style="" attribute': re.compile(r"<[a-z][^>]*?\sstyle\s*=", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def inline_problems(html: str) -> list[str]:
    problems = []
    for label, pattern in INLINE.items():
        for match in pattern.finditer(html):
            line = html.count("\n", 0, match.start()) + 1
            problems.append(f"line {line}: {label}: {match.group(0)[:120]}")
    return problems


@pytest.fixture
def hall_pages(client, client_for, town, village, cadre, clerk, town_office, referral_matter):
    """name -> (client, url) for each kind of page: public, staff, print, admin, the hall board."""
    MarketDayFactory(town=town, date=timezone.localdate())
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    stamped = stamp(open_case(actor=cadre, matter=referral_matter, village=village), cadre)  # has its certificate
    as_cadre, as_clerk, as_office = client_for(cadre), client_for(clerk), client_for(town_office)
    return {
        "home": (client, "/"),
        "guide": (client, reverse("cases:guide")),
        "guide detail": (client, reverse("cases:guide_detail", args=[referral_matter.code])),
        "track": (client, reverse("cases:track")),
        "public case": (client, reverse("cases:public_token", args=[case.token])),
        "login": (client, reverse("login")),
        "hall board": (client, reverse("hall")),
        "desk": (as_cadre, reverse("cases:desk")),
        "queue": (as_clerk, reverse("cases:queue")),
        "case detail": (as_cadre, case.get_absolute_url()),
        "receipt": (as_cadre, reverse("cases:receipt", args=[case.number])),
        "certificate": (as_cadre, reverse("cases:print", args=[stamped.number, "certificate"])),
        "admin login": (client, reverse("admin:login")),
        "admin index": (as_office, reverse("admin:index")),
        "admin stats": (as_office, reverse("admin:stats")),
        "admin oversight": (as_office, reverse("admin:oversight")),
        "roster": (as_office, reverse("villages:roster")),
    }


PAGE_NAMES = [
    "home",
    "guide",
    "guide detail",
    "track",
    "public case",
    "login",
    "hall board",
    "desk",
    "queue",
    "case detail",
    "receipt",
    "certificate",
    "admin login",
    "admin index",
    "admin stats",
    "admin oversight",
    "roster",
]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_kind_of_page_carries_the_security_headers(hall_pages, name):
    client, url = hall_pages[name]

    response = client.get(url)

    assert response.status_code == 200, (name, url, response.status_code)
    assert "Content-Security-Policy-Report-Only" not in response.headers  # enforced, not just reported
    csp = parse_csp(response.headers["Content-Security-Policy"])
    assert csp == EXPECTED_CSP
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    permissions = dict(item.strip().split("=", 1) for item in response.headers["Permissions-Policy"].split(","))
    assert permissions == PERMISSIONS


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_no_page_sends_inline_script_or_style(hall_pages, name):
    client, url = hall_pages[name]

    html = client.get(url).content.decode()

    assert inline_problems(html) == []
    # The behaviour that used to be inline comes from static files: a page that has the hooks loads the script.
    if "data-print" in html:
        assert "/static/hall/print.js" in html
    if "data-fill-target" in html:
        assert "/static/hall/detail.js" in html


def test_the_pages_that_print_have_a_print_hook_and_its_script(hall_pages):
    for name in ("receipt", "certificate", "guide detail", "admin stats"):
        client, url = hall_pages[name]
        html = client.get(url).content.decode()
        assert "data-print" in html, name
        assert "/static/hall/print.js" in html, name


def test_no_template_has_inline_script_or_style():
    problems = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        problems += [f"{path.relative_to(TEMPLATES_DIR)} {p}" for p in inline_problems(path.read_text())]

    assert problems == []


def test_the_scan_finds_each_kind_of_inline_code():
    for snippet in (
        "<script>alert(1)</script>",
        '<button type="button" onclick="window.print()">',
        '<p class="x" style="text-indent: 2em">',
        "<style>.x {}</style>",
        '<a href="javascript:void(0)">',
    ):
        assert inline_problems(snippet), snippet
    assert inline_problems('<script src="/static/hall/print.js"></script><button data-print class="btn">') == []


def test_every_admin_list_and_form_is_free_of_inline_script_and_style(rf, client_for, superuser, town, village):
    """Django's admin has no inline script since 3.x; this holds our registrations (and its upgrades) to it."""
    client = client_for(superuser)
    request = rf.get("/admin/")
    request.user = superuser
    urls = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    urls.append(reverse("admin:villages_village_change", args=[village.pk]))

    problems = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        if found := inline_problems(response.content.decode()):
            problems[url] = found

    assert len(urls) > 20
    assert problems == {}


def test_hall_board_keeps_htmx_from_injecting_its_style(hall_pages):
    client, url = hall_pages["hall board"]

    html = client.get(url).content.decode()

    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert meta, "no htmx-config meta: htmx 2 would add an inline <style> that the policy refuses"
    assert json.loads(meta[1])["includeIndicatorStyles"] is False
    assert html.index('name="htmx-config"') < html.index("htmx.min.js")  # read when htmx starts
    assert "hx-on" not in html


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_are_not_sniffed_either():
    response = Client().get("/static/hall/print.js")  # a new client: whitenoise reads its settings at start

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"].startswith(("text/javascript", "application/javascript"))


def _readme_production_exports() -> str:
    """The `export …` lines of the README's production-like block, as the README gives them to a shell."""
    text = README.read_text()
    block = text[text.index("### 类生产配置示例") :]
    block = block[block.index("```sh") : block.index("```", block.index("```sh") + 5)]
    exports = [line for line in block.splitlines() if line.startswith("export ")]
    names = {line.split()[1].split("=")[0] for line in exports}
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL"} <= names
    return "\n".join(exports)


def test_deploy_check_is_clean_under_the_readme_production_settings():
    """The README promises `check --deploy` without a single warning under its production-like exports."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "ALLOWED_HOSTS"}}
    env["DJANGO_SETTINGS_MODULE"] = "jinjie.settings"
    script = (
        f"{_readme_production_exports()}\n{shlex.quote(sys.executable)} manage.py check --deploy --fail-level WARNING"
    )

    result = subprocess.run(
        ["bash", "-ec", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr
