"""`manage.py bench --county`: the pages of issue 13 point 5 over every town of a county deployment.

Each size is the county's total, spread evenly over its towns (`seed_demo --county --towns 13` adds the sample towns
when there are fewer: Tiandeng's thirteen towns and townships, as the issue asks); every town is topped up by
`generate_load_data --town … --jobs …`. The pages are the demo town's, as in the plain bench, with the flat-cost
targets: the desk, the queue, the one-stop view, tracking and the hall board under 30 ms and within 1.2× of the
smallest size; a town's month, quarter and year report under 200 ms; the county dashboard under a second. The hall
board is timed without the public cache (jinjie/public_cache.py): its own cost.
"""

import time

from django.core.management import call_command

from villages.models import CountyStaff, Town

TOWNS = 13
FLAT_MS, FLAT_RATIO = 30.0, 1.2
REPORT_MS = 200.0
COUNTY_MS = 1000.0
FLAT_PAGES = {"desk", "queue", "case detail", "public /t/", "track POST", "api case", "hall board"}
REPORTS = {"stats month", "stats quarter", "stats year"}


def towns(count: int = TOWNS) -> list[Town]:
    if Town.objects.count() < count:
        call_command("seed_demo", county=True, towns=count)
    return list(Town.objects.order_by("code"))


def generate(size: int, options, stdout) -> float:
    """Tops every town up to its share of `size`; returns the seconds it took."""
    started = time.monotonic()
    county_towns = towns(options["towns"])
    share = size // len(county_towns)
    for town in county_towns:
        stdout.write(f"  {town.name}: up to {share:,} cases")
        call_command(
            "generate_load_data",
            cases=share,
            town=town.code,
            years=options["years"],
            seed=options["seed"],
            jobs=options["jobs"],
            stdout=stdout,
        )
    return time.monotonic() - started


def county_officer():
    staff = CountyStaff.objects.select_related("user").order_by("pk").first()
    return staff.user if staff else None


def retarget(pages, page_type, request_type, county_url: str | None, officer, *, town_code: str):
    """The plain bench's pages with the county's targets, the hall board and the county dashboard added."""
    out = []
    for page in pages:
        if page.name in FLAT_PAGES:
            page = page_type(page.name, page.user, page.requests, FLAT_MS, FLAT_RATIO, page.fresh)
        elif page.name in REPORTS:
            page = page_type(page.name, page.user, page.requests, REPORT_MS, None, page.fresh)
        out.append(page)
    from django.urls import reverse

    hall = reverse("town:hall", kwargs={"town_code": town_code})  # /hall/ itself is the towns' chooser in a county
    out.append(page_type("hall board", None, [request_type(hall)], FLAT_MS, FLAT_RATIO, True))
    if county_url and officer is not None:
        out.append(page_type("county dashboard", officer, [request_type(county_url)], COUNTY_MS, None, False))
    return out
