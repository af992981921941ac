"""Simulated users of the hall for `make loadtest` (run by loadtest/run.py; not a test module, pytest ignores it).

50 users drive the real pages and forms, with the demo logins (password jinjie2026):
- 15 village cadres: log in, sign in for today's duty, take in cases through the intake form, stamp their village's
  waiting certificates;
- 15 department clerks: work the queue, receive files and complete steps through the action forms;
- 15 villagers: track cases they were told about (number + last four phone digits, then the QR page and the API),
  each from their own address behind the hall's proxy (X-Forwarded-For, NUM_PROXIES=1);
- 5 hall boards: the TV page and its htmx partial.

What the app acknowledged to a user is written to $LOADTEST_OUT/acks.jsonl: an intake redirect to a case's receipt
(the case number), and a success message after a stamp, file receipt or step completion. Every request goes to
$LOADTEST_OUT/requests.jsonl with its start time, duration, page type, status and error, so run.py can count errors
before, during and after the database restart. A request fails when the server errs or drops the connection, or when
the page is not what a user would see after that action (wrong redirect, missing form, an unexpected error message).
A stale-page refusal after two users acted on the same case is an expected answer, counted as a conflict.
"""

import gettext
import html
import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser
from stdnum.cn import ric

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "jinjie2026")
OUT = os.environ.get("LOADTEST_OUT", "")
TIMEOUT = 30  # seconds a simulated user waits for one response
RETRIES = int(os.environ.get("LOADTEST_RETRIES", "12"))  # resubmissions of a form after a server error
RETRY_PAUSE = 2.0

# 14 demo cadres; the 15th simulated cadre is a second session of cadre_yinyong (one person, two browser tabs).
CADRES = ["cadre_aile", "cadre_aile2", "cadre_yinyong", "cadre_gaozhou", *[f"cadre_v{i:02d}" for i in range(4, 14)]]
CADRES.append("cadre_yinyong")
# 9 demo clerks; the busiest desks get a second session (a colleague at the same window).
CLERKS = [
    "clerk_dangzheng",
    "clerk_minzheng",
    "clerk_shebao",
    "clerk_canlian",
    "clerk_linye",
    "clerk_nongye",
    "clerk_sifa",
    "clerk_ziran",
    "clerk_gongdian",
    "clerk_minzheng",
    "clerk_dangzheng",
    "clerk_gongdian",
    "clerk_shebao",
    "clerk_canlian",
    "clerk_sifa",
]
_cadre_seq = itertools.count()
_clerk_seq = itertools.count()
_villager_seq = itertools.count(1)

# Cases acknowledged to a cadre (number, phone): what a villager may later track. One process, gevent: no locks.
KNOWN_CASES: list[tuple[str, str]] = []
WRONG_GUESSED: set[str] = set()  # at most one wrong guess per case number, far below the throttle's limit of 5


def _catalog():
    """The app's own zh-hans catalogue: pages are matched against what the app says, so a reworded message follows."""
    path = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    try:
        with path.open("rb") as f:
            return gettext.GNUTranslations(f)
    except OSError:
        return gettext.NullTranslations()


zh = _catalog().gettext
TEXT_DESK = zh("Village desk")
TEXT_QUEUE = zh("Department queue")
TEXT_DESK_RECENT = zh("Recent cases of the village")
TEXT_TO_STAMP = zh("Verify and stamp")
TEXT_QUEUE_COUNTY = zh("County steps handed on by this desk")
TEXT_OPENED = zh("Case %(number)s opened.")
TEXT_DUPLICATE = zh("This case was already opened (%(number)s); it was not opened twice.")
TEXT_STAMPED = zh("Village certificate stamped; the case moves to the next desk.")
TEXT_ACCEPTED = zh("File received at the desk.")
TEXT_COMPLETED = zh("Step completed; the case moves on.")
# Refusals that mean "someone else was first" (another session acted on the same case): expected under load.
CONFLICT_TEXTS = tuple(
    zh(msgid).split("%(")[0].rstrip("（(")
    for msgid in (
        "This case has changed since the page was opened (perhaps a double click or another user). "
        "Nothing was done; check the case and try again.",
        "The file was already received at this desk.",
        "This case is not at your department.",
        "This case is not at your desk.",
        "This case has no step being handled.",
        "This case is already closed (%(state)s).",
    )
)
LOCKED_WORDS = ("太多", "锁定")  # a tracking lockout: never expected, each wrong guess is on its own number

SURNAMES = "黄农韦覃陆蓝梁李莫马邓卢周赵何杨陈"
GIVEN = "秀梅志强建平丽华春燕海军桂芳德明小红文杰玉兰永福美玲国向必刘月娥"

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALERT_RE = re.compile(r'<div class="alert alert-(\w+)[^"]*"[^>]*>(.*?)</div>', re.S)
ROW_RE = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
CASE_LINK_RE = re.compile(r'href="/cases/([0-9-]+)/"')
OPTION_RE = re.compile(r'<option value="([^"]+)"')
MATERIAL_RE = re.compile(r'name="materials" value="(\d+)"')
LOCATION_CASE_RE = re.compile(r"/cases/([0-9-]+)/receipt/$")
LOCATION_TOKEN_RE = re.compile(r"/t/([^/]+)/$")


def _open(name: str):
    return open(os.path.join(OUT, name), "a", encoding="utf-8", buffering=1) if OUT else None  # noqa: SIM115


REQUEST_LOG = _open("requests.jsonl")
ACK_LOG = _open("acks.jsonl")


def ack(**record) -> None:
    if ACK_LOG:
        ACK_LOG.write(json.dumps({"t": round(time.time(), 3), **record}, ensure_ascii=False) + "\n")


@events.request.add_listener
def _log_request(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    if REQUEST_LOG is None:
        return
    status = getattr(response, "status_code", 0) or 0
    start = kw.get("start_time") or (time.time() - response_time / 1000)
    error = "" if exception is None else str(exception)[:300]
    REQUEST_LOG.write(json.dumps([round(start, 3), round(response_time, 1), name, status, error], ensure_ascii=False))
    REQUEST_LOG.write("\n")


@events.user_error.add_listener
def _log_user_error(user_instance, exception, tb, **kw):
    """A crash in a simulated user's own code is a failure too: it may hide a page that was not what it should be."""
    if REQUEST_LOG is not None:
        REQUEST_LOG.write(json.dumps([round(time.time(), 3), 0, "user code error", 0, repr(exception)[:300]]) + "\n")


@events.quitting.add_listener
def _flush(**kw):
    for log in (REQUEST_LOG, ACK_LOG):
        if log:
            log.flush()


# --- made-up villagers -------------------------------------------------------------------------------------------


def id_number() -> str:
    """A valid GB 11643 number: Tiandeng's old area code 452131 (valid for births before 2003), check digit."""
    birth = f"{random.randint(1940, 2002)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    body = f"452131{birth}{random.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def phone() -> str:
    return f"1{random.choice('3578')}{random.randint(0, 999_999_999):09d}"


def person() -> str:
    return random.choice(SURNAMES) + "".join(random.sample(GIVEN, random.choice((1, 2))))


# --- page helpers ------------------------------------------------------------------------------------------------


def csrf(text: str) -> str:
    found = CSRF_RE.search(text or "")
    return found.group(1) if found else ""


def alerts(text: str) -> list[tuple[str, str]]:
    return [(tag, html.unescape(re.sub(r"<[^>]+>", "", body)).strip()) for tag, body in ALERT_RE.findall(text or "")]


def form_block(text: str, action: str) -> str | None:
    found = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', text or "", re.S)
    return found.group(1) if found else None


def hidden(block: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', block)
    return found.group(1) if found else ""


def conflict(messages: list[tuple[str, str]]) -> bool:
    return any(tag in ("danger", "warning", "info") and any(c in m for c in CONFLICT_TEXTS) for tag, m in messages)


STALE = 409  # cases.views: a form older than the case (someone else acted first) is refused with 409


class Outcome:
    OK = "ok"  # acknowledged
    CONFLICT = "conflict"  # refused because another user was first: nothing done
    UNKNOWN = "unknown"  # a server error on an earlier attempt: the app never said whether it was done
    FAILED = "failed"


class HallUser(HttpUser):
    abstract = True
    forwarded_for: str | None = None

    def call(self, method, url, name, *, expect=(200,), contains=None, redirect_to=None, **kwargs):
        """One request, not following redirects. Returns the response, or None after marking it failed."""
        headers = kwargs.pop("headers", {})
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        with self.client.request(
            method,
            url,
            name=name,
            catch_response=True,
            allow_redirects=False,
            timeout=TIMEOUT,
            headers=headers,
            **kwargs,
        ) as response:
            problem = None
            if response.status_code not in expect:
                problem = f"HTTP {response.status_code}" if response.status_code else f"no response: {response.error}"
            elif redirect_to and not re.search(redirect_to, response.headers.get("Location", "")):
                problem = f"redirected to {response.headers.get('Location')!r}, expected {redirect_to}"
            elif contains and contains not in response.text:
                found = "; ".join(m for _, m in alerts(response.text)) or response.text[:120]
                problem = f"page lacks {contains!r} ({found})"
            if problem:
                response.failure(problem)
                return None
            response.success()
            return response

    def submit(self, url, name, data, *, redirect_to, retries=RETRIES):
        """POST a form; on a server error or dropped connection resubmit the same data, as a user clicking again.

        Returns (response or None, attempts, last status)."""
        status = 0
        for attempt in range(1, retries + 2):
            with self.client.request(
                "POST",
                url,
                name=name,
                data=data,
                catch_response=True,
                allow_redirects=False,
                timeout=TIMEOUT,
                headers={"X-Forwarded-For": self.forwarded_for} if self.forwarded_for else {},
            ) as response:
                status = response.status_code
                location = response.headers.get("Location", "") if status else ""
                if status == 302 and re.search(redirect_to, location):
                    response.success()
                    return response, attempt, status
                if status == STALE and attempt == 1:
                    # The hall's answer to a form shown before another user acted (the case page again, with its
                    # message, nothing done): what act() counts as a conflict, not an error.
                    response.success()
                    return None, attempt, status
                if not status:
                    response.failure(f"no response: {response.error}")
                elif status == 302:
                    response.failure(f"redirected to {location!r}, expected {redirect_to}")
                else:
                    found = "; ".join(m for _, m in alerts(response.text))
                    response.failure(f"HTTP {status}" + (f" ({found})" if found else ""))
                if status and status < 500:
                    return None, attempt, status  # a refusal, not an outage: resubmitting will not help
            time.sleep(RETRY_PAUSE)
        return None, retries + 1, status

    def login(self, username: str, landing: str) -> None:
        """Log in once with the right password. An outage is waited out; a refusal stops this user (no guessing:
        django-axes locks an account after a few failures)."""
        self.username = username
        for _ in range(30):
            form = self.call("GET", "/accounts/login/", "GET /accounts/login/")
            if form is not None:
                data = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf(form.text), "next": ""}
                done, _, status = self.submit(
                    "/accounts/login/", "POST /accounts/login/", data, redirect_to=r"/start/$"
                )
                if done is None and status and status < 500:
                    raise StopUser()
                if done is not None:
                    self.call("GET", "/start/", "GET /start/", expect=(302,), redirect_to=rf"{landing}$")
                    return
            time.sleep(3)
        raise StopUser()


def mark_failed(user: HallUser, name: str, message: str) -> None:
    """A page that loaded but said the wrong thing: counted as a failed request of its own."""
    user.environment.events.request.fire(
        request_type="CHECK",
        name=name,
        response_time=0,
        response_length=0,
        response=None,
        context={},
        exception=AssertionError(message),
        start_time=time.time(),
    )


# --- village cadres ----------------------------------------------------------------------------------------------


class Cadre(HallUser):
    fixed_count = 15
    wait_time = between(1, 3)

    def on_start(self):
        self.login(CADRES[next(_cadre_seq) % len(CADRES)], "/desk/")
        self.matters: list[str] = []
        desk = self.desk()
        if desk is not None:
            self.sign_in(desk.text)

    def desk(self):
        desk = self.call("GET", "/desk/", "GET /desk/", contains=TEXT_DESK)
        if desk is not None and not self.matters:
            select = re.search(r'<select name="matter".*?</select>', desk.text, re.S)
            self.matters = [code for code in OPTION_RE.findall(select.group(0) if select else "") if code]
        return desk

    def sign_in(self, text: str) -> None:
        """Sign in for today's duty (947 rule) when the desk offers it."""
        block = form_block(text, "/desk/sign-in/")
        if block is None:
            return
        data = {"csrfmiddlewaretoken": csrf(text), "shift": hidden(block, "shift"), "seal_carried": "on"}
        done, _, _ = self.submit("/desk/sign-in/", "POST /desk/sign-in/", data, redirect_to=r"/desk/$")
        if done is not None:
            self.call("GET", "/desk/", "GET /desk/", contains=TEXT_DESK)

    @task(3)
    def take_in(self):
        if not self.matters and self.desk() is None:
            return
        if not self.matters:
            return
        code = random.choice(self.matters)
        form = self.call("GET", f"/desk/intake/?matter={code}", "GET /desk/intake/", contains='name="intake_key"')
        if form is None:
            return
        text = form.text
        hamlets = re.search(r'<select name="hamlet".*?</select>', text, re.S)
        hamlet_ids = [v for v in OPTION_RE.findall(hamlets.group(0) if hamlets else "") if v]
        intake_key = hidden(text, "intake_key")
        mobile = phone()
        data = {
            "csrfmiddlewaretoken": csrf(text),
            "matter": code,
            "village": hidden(text, "village"),
            "intake_key": intake_key,
            "applicant_name": person(),
            "applicant_id_number": id_number(),
            "applicant_phone": mobile,
            "hamlet": random.choice(hamlet_ids) if hamlet_ids else "",
            "materials": MATERIAL_RE.findall(text),  # every material brought: the case opens normally
            "notes": "压测受理",
            "decision": "open",
        }
        if 'name="parties"' in text:
            data["parties"] = f"{person()} {phone()}；{person()} {phone()}"
        done, attempts, _ = self.submit(
            "/desk/intake/", "POST /desk/intake/", data, redirect_to=LOCATION_CASE_RE.pattern
        )
        if done is None:
            ack(kind="intake_failed", user=self.username, intake_key=intake_key, attempts=attempts)
            return
        number = LOCATION_CASE_RE.search(done.headers["Location"]).group(1)
        # The redirect to the receipt is the acknowledgement: the user now holds this case number.
        ack(
            kind="case",
            user=self.username,
            number=number,
            intake_key=intake_key,
            phone=mobile,
            matter=code,
            attempts=attempts,
        )
        KNOWN_CASES.append((number, mobile[-4:]))
        receipt = self.call("GET", f"/cases/{number}/receipt/", "GET /cases/<n>/receipt/", contains=number)
        if receipt is not None:
            said = " ".join(m for _, m in alerts(receipt.text))
            if TEXT_OPENED % {"number": number} not in said and TEXT_DUPLICATE % {"number": number} not in said:
                mark_failed(self, "answer to intake", f"receipt of {number} without the opened message: {said}")

    @task(3)
    def stamp(self):
        desk = self.desk()
        if desk is None:
            return
        waiting = desk.text.split(TEXT_DESK_RECENT, 1)[0]
        numbers = [
            CASE_LINK_RE.search(row).group(1)
            for row in ROW_RE.findall(waiting)
            if TEXT_TO_STAMP in row and CASE_LINK_RE.search(row) and "badge bg-warning" not in row
        ]
        if not numbers:
            return
        number = random.choice(numbers[:5])
        act(self, number, "stamp", "stamped", {"note": "户籍和居住情况已核实", "seal_confirmed": "on"}, TEXT_STAMPED)

    @task(1)
    def look_at_a_case(self):
        desk = self.desk()
        if desk is None:
            return
        numbers = CASE_LINK_RE.findall(desk.text.split(TEXT_DESK_RECENT, 1)[-1])
        if numbers:
            self.call("GET", f"/cases/{random.choice(numbers)}/", "GET /cases/<n>/", contains="<h1")


def act(user: HallUser, number: str, action: str, event: str, fields: dict, success: str, *, page=None) -> str:
    """Open the case page (unless given), post one action form, read the message on the page it leads to."""
    if page is None:
        page = user.call("GET", f"/cases/{number}/", "GET /cases/<n>/", contains="<h1")
        if page is None:
            return Outcome.FAILED
        page = page.text
    url = f"/cases/{number}/{action}/"
    block = form_block(page, url)
    if block is None:
        return Outcome.CONFLICT  # the action is no longer offered: someone else was first
    data = {"csrfmiddlewaretoken": csrf(page), "version": hidden(block, "version"), "step": hidden(block, "step")}
    data.update(fields)
    # Done or refused, the answer is a message on the page the form leads to: the queue or the case.
    target = rf"(/cases/{re.escape(number)}/|/{fields.get('next', 'cases')}/)$"
    done, attempts, status = user.submit(url, f"POST /cases/<n>/{action}/", data, redirect_to=target)
    if done is None and status == STALE and attempts == 1:
        ack(kind="step_conflict", user=user.username, number=number, action=event, step=data["step"], attempts=1)
        return Outcome.CONFLICT  # another user was first: refused with 409, nothing done
    if done is None:
        ack(kind="action_failed", user=user.username, number=number, action=event, step=data["step"], attempts=attempts)
        return Outcome.FAILED
    location = done.headers["Location"]
    after = user.call("GET", location, "GET /queue/" if location.endswith("/queue/") else "GET /cases/<n>/")
    if after is None:
        outcome = Outcome.UNKNOWN  # the answer was on the page that failed to load
    else:
        said = alerts(after.text)
        if any(tag == "success" and m == success for tag, m in said):
            outcome = Outcome.OK
        elif conflict(said):
            outcome = Outcome.UNKNOWN if attempts > 1 else Outcome.CONFLICT
        else:
            outcome = Outcome.FAILED
            mark_failed(user, f"answer to {action}", f"after {action} on {number}: {said or 'no message'}")
    ack(
        kind="step" if outcome == Outcome.OK else f"step_{outcome}",
        user=user.username,
        number=number,
        action=event,
        step=data["step"],
        attempts=attempts,
    )
    return outcome


# --- department clerks -------------------------------------------------------------------------------------------


class Clerk(HallUser):
    fixed_count = 15
    wait_time = between(1, 3)

    def on_start(self):
        self.login(CLERKS[next(_clerk_seq) % len(CLERKS)], "/queue/")

    @task
    def work_the_queue(self):
        queue = self.call("GET", "/queue/", "GET /queue/", contains=TEXT_QUEUE)
        if queue is None:
            return
        rows = ROW_RE.findall(queue.text.split(TEXT_QUEUE_COUNTY, 1)[0])
        to_receive, to_finish = [], []
        for row in rows:
            link = CASE_LINK_RE.search(row)
            if not link or "badge bg-warning" in row:
                continue
            (to_receive if "/accept/" in row else to_finish).append(link.group(1))
        if to_receive and (not to_finish or random.random() < 0.5):
            number = random.choice(to_receive[:5])
            act(self, number, "accept", "accepted", {"next": "queue"}, TEXT_ACCEPTED, page=queue.text)
        elif to_finish:
            number = random.choice(to_finish[:5])
            page = self.call("GET", f"/cases/{number}/", "GET /cases/<n>/", contains="<h1")
            if page is None:
                return
            fields = {"outcome": "已审核办理（压测）"}
            if 'name="mediation_outcome"' in page.text:
                fields["mediation_outcome"] = "success"
            act(self, number, "complete", "step_done", fields, TEXT_COMPLETED, page=page.text)


# --- villagers ---------------------------------------------------------------------------------------------------


class Villager(HallUser):
    fixed_count = 15
    wait_time = between(2, 5)

    def on_start(self):
        n = next(_villager_seq)
        self.username = f"villager-{n}"
        self.forwarded_for = f"10.{n}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        self.tokens: list[str] = []
        self.wrong_guesses = 0

    @task(4)
    def track(self):
        form = self.call("GET", "/track/", "GET /track/", contains='name="phone4"')
        if form is None or not KNOWN_CASES:
            return
        number, phone4 = random.choice(KNOWN_CASES[-300:])
        wrong = self.wrong_guesses < 1 and number not in WRONG_GUESSED and random.random() < 0.05
        if wrong:
            # A mistyped phone number, once per villager and once per case: far below the throttle (5 in 10 min).
            self.wrong_guesses += 1
            WRONG_GUESSED.add(number)
            phone4 = f"{(int(phone4) + 1) % 10000:04d}"
        data = {"csrfmiddlewaretoken": csrf(form.text), "number": number, "phone4": phone4}
        if wrong:
            refused = self.call("POST", "/track/", "POST /track/ (wrong digits)", data=data, contains="alert-danger")
            said = " ".join(m for _, m in alerts(refused.text)) if refused is not None else ""
            if any(word in said for word in LOCKED_WORDS):
                mark_failed(self, "answer to a wrong guess", f"one wrong guess on {number} was locked out: {said}")
            return
        found = self.call("POST", "/track/", "POST /track/", data=data, expect=(302,), redirect_to=r"/t/[^/]+/$")
        if found is None:
            return
        token = LOCATION_TOKEN_RE.search(found.headers["Location"]).group(1)
        self.tokens.append(token)
        self.call("GET", f"/t/{token}/", "GET /t/<token>/", contains=number)

    @task(2)
    def scan_receipt(self):
        if self.tokens:
            self.call("GET", f"/t/{random.choice(self.tokens)}/", "GET /t/<token>/", contains="<h1")

    @task(1)
    def api(self):
        if KNOWN_CASES:
            number, phone4 = random.choice(KNOWN_CASES)
            self.call("GET", f"/api/v1/cases/{number}?phone4={phone4}", "GET /api/v1/cases/<n>", contains=number)

    @task(1)
    def guide(self):
        self.call("GET", "/guide/", "GET /guide/", contains="<h1")


# --- the hall's TV -----------------------------------------------------------------------------------------------


class HallBoard(HallUser):
    """The board polls every 30 s in the hall; here every 5 s, so five boards weigh like thirty."""

    fixed_count = 5
    wait_time = constant(5)

    def on_start(self):
        self.username = "hall-board"
        page = self.call("GET", "/hall/", "GET /hall/", contains="hx-get")
        if page is not None:
            for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
                self.call("GET", asset, "GET /static/…")
        self.polls = 0

    @task
    def poll(self):
        self.polls += 1
        if self.polls % 12 == 0:  # a reload now and then (the TV was switched on again)
            self.call("GET", "/hall/", "GET /hall/", contains="hx-get")
        else:
            self.call("GET", "/hall/", "GET /hall/ (htmx)", headers={"HX-Request": "true"})
