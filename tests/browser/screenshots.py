"""Screenshots of the hall's pages for a human review, at the old hall PC's 1024×768 and a phone's 390×844.

Not a test (pytest does not collect it). It talks HTTP only, so it runs against any running server that has the
demo town (seed_demo, password jinjie2026). First it drives the pages like the hall does on a market day — a cadre
takes in and stamps two cases, a clerk hands one on and books the county — then it photographs every page.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/shots.sqlite3 .venv/bin/python manage.py migrate
    DEBUG=1 DATABASE_URL=sqlite:////tmp/shots.sqlite3 .venv/bin/python manage.py seed_demo
    DEBUG=1 DATABASE_URL=sqlite:////tmp/shots.sqlite3 .venv/bin/python manage.py runserver 127.0.0.1:8011 &
    DEBUG=1 DATABASE_URL=sqlite:////tmp/shots.sqlite3 .venv/bin/python tests/browser/screenshots.py

PNGs go to test-artifacts/screenshots/ (git-ignored): <viewport>-<nn>-<page>.png, and tall pages also screen by
screen as <viewport>-<nn>-<page>-screen<n>.png.
"""

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, HALL_PC, PHONE  # noqa: E402

PASSWORD = "jinjie2026"
VIEWPORTS = {"pc": HALL_PC, "phone": {**PHONE, "device_scale_factor": 1}}


@dataclass
class Made:
    """Cases this run made through the pages."""

    number: str = ""  # 城乡医疗救助, stamped, now at 民政办
    phone4: str = ""
    token: str = ""
    booked: str = ""  # 残疾人证, county appointment booked with 县残联


class Hall:
    def __init__(self, browser, base: str, out: Path):
        self.browser = browser
        self.base = base.rstrip("/")
        self.out = out
        self.problems: list[str] = []

    def page(self, viewport: str = "pc", user: str | None = None) -> Page:
        context = self.browser.new_context(**VIEWPORTS[viewport])
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        if user:
            page.goto(self.base + "/accounts/login/")
            page.fill("#id_username", user)
            page.fill("#id_password", PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            if "/accounts/login/" in page.url:
                raise SystemExit(f"{user} cannot log in at {self.base}: is the demo town seeded?")
        return page

    def go(self, page: Page, path: str) -> None:
        response = page.goto(self.base + path)
        if response is None or response.status >= 400:
            self.problems.append(f"{path}: HTTP {response.status if response else '—'}")

    def submit(self, page: Page, button: str, what: str) -> bool:
        page.locator(button).click()
        page.wait_for_load_state()
        if page.locator(".alert-danger, .invalid-feedback").count() or "CSRF" in page.content():
            self.problems.append(f"{what} failed at {page.url}: {page.locator('body').inner_text()[:300]!r}")
            return False
        return True

    def shot(self, page: Page, viewport: str, name: str) -> None:
        path = self.out / f"{viewport}-{name}.png"
        page.screenshot(path=path, full_page=True)
        width, height = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        screen = page.viewport_size
        if width > screen["width"]:
            self.problems.append(f"{path.name}: page is {width}px wide, wider than the screen")
        print(path.relative_to(ROOT))
        if height > screen["height"] * 1.5:
            # Tall pages also screen by screen, as the user scrolls them (and legible in an image viewer).
            for n, top in enumerate(range(0, height, screen["height"]), start=1):
                clip = {"x": 0, "y": top, "width": width, "height": min(screen["height"], height - top)}
                page.screenshot(path=self.out / f"{viewport}-{name}-screen{n}.png", clip=clip, full_page=True)


def intake(hall: Hall, page: Page, matter: str, name: str, id_number: str, phone: str) -> str:
    hall.go(page, f"/desk/intake/?matter={matter}")
    page.fill("#id_applicant_name", name)
    page.fill("#id_applicant_id_number", id_number)
    page.fill("#id_applicant_phone", phone)
    page.locator("#id_hamlet").select_option(index=1)
    for box in page.locator("input[name=materials]").all():
        box.check()
    hall.submit(page, "button[name=decision][value=open]", f"intake of {matter}")
    found = re.search(r"/cases/([0-9-]+)/receipt/", page.url)
    if not found:
        raise SystemExit(f"intake of {matter} did not open a case: {page.url}")
    return found[1]


def stamp(hall: Hall, page: Page, number: str) -> None:
    hall.go(page, f"/cases/{number}/")
    page.fill("#f-note", "户籍、居住和家庭情况属实")
    page.check("#f-seal")
    hall.submit(page, "form[action$='/stamp/'] button[type=submit]", f"stamp of {number}")


def prepare(hall: Hall) -> Made:
    made = Made(phone4="5866")
    cadre = hall.page(user="cadre_yinyong")
    made.number = intake(hall, cadre, "yiliao-jiuzhu", "赵国向", "452131195803121235", "1397712" + made.phone4)
    stamp(hall, cadre, made.number)
    cadre.context.close()

    cadre = hall.page(user="cadre_aile")
    made.booked = intake(hall, cadre, "canji-zheng", "农美兰", "45213119740618002X", "13977125870")
    stamp(hall, cadre, made.booked)
    cadre.context.close()

    clerk = hall.page(user="clerk_canlian")
    hall.go(clerk, f"/cases/{made.booked}/")
    clerk.fill("#f-complete", "材料齐全，初审通过，预约县残联评残")
    if hall.submit(clerk, "form[action$='/complete/'] button[type=submit]", f"complete of {made.booked}"):
        hall.submit(clerk, "form[action$='/book/'] button[type=submit]", f"booking of {made.booked}")
    clerk.context.close()

    villager = hall.page(viewport="phone")
    hall.go(villager, "/track/")
    villager.fill("#id_number", made.number)
    villager.fill("#id_phone4", made.phone4)
    hall.submit(villager, "main form button[type=submit]", "tracking")
    made.token = villager.url.rstrip("/").rsplit("/", 1)[-1]
    villager.context.close()
    return made


def photograph(hall: Hall, made: Made, viewport: str) -> None:
    pages: list[tuple[str, str | None, str]] = [
        ("01-home", None, "/"),
        ("02-guide", None, "/guide/"),
        ("03-guide-detail", None, "/guide/yiliao-jiuzhu/"),
        ("04-login", None, "/accounts/login/"),
        ("05-desk", "cadre_yinyong", "/desk/"),
        ("06-intake", "cadre_yinyong", "/desk/intake/?matter=yiliao-jiuzhu"),
        ("08-receipt", "cadre_yinyong", f"/cases/{made.number}/receipt/"),
        ("09-case-detail-clerk", "clerk_minzheng", f"/cases/{made.number}/"),
        ("10-case-detail-cadre", "cadre_yinyong", f"/cases/{made.number}/"),
        ("11-queue", "clerk_minzheng", "/queue/"),
        ("12-appointments", "county_canlian", "/appointments/"),
        ("13-track", None, "/track/"),
        ("15-public-case", None, f"/t/{made.token}/"),
    ]
    sessions: dict[str | None, Page] = {}
    for name, user, path in pages:
        if user not in sessions:
            sessions[user] = hall.page(viewport, user)
        page = sessions[user]
        hall.go(page, path)
        hall.shot(page, viewport, name)
        if name == "06-intake":
            # The same form after an empty submit: how errors look.
            page.locator("button[name=decision][value=open]").click()
            page.wait_for_load_state()
            hall.shot(page, viewport, "07-intake-errors")
        if name == "13-track" and viewport == "phone":
            # One wrong guess only: wrong guesses are throttled per client (5 in 10 minutes).
            page.fill("#id_number", made.number)
            page.fill("#id_phone4", "0000")
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            hall.shot(page, viewport, "14-track-wrong")
    for page in sessions.values():
        page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8011")
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        hall = Hall(browser, args.base_url, args.out)
        made = prepare(hall)
        for viewport in VIEWPORTS:
            photograph(hall, made, viewport)
        browser.close()
    for problem in hall.problems:
        print("PROBLEM", problem)


if __name__ == "__main__":
    main()
