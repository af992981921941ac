"""After the load: is everything the simulated users were told in the database, with a clean history?

Run by loadtest/run.py with the app's environment: `python loadtest/check.py <acks.jsonl>`. Prints JSON
{"checks": [{"name", "detail", "ok"}], "problems": [...]}; exit status 1 when a check fails.
"""

import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinjie.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count, F, Max, Q  # noqa: E402

from cases.models import Case, CaseEvent, CaseStep  # noqa: E402

PROBLEM_LIMIT = 200


def main(path: str) -> int:
    acks = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    checks: list[dict] = []
    problems: list[str] = []

    def result(name: str, bad: list[str], detail: str) -> None:
        checks.append({"name": name, "detail": detail, "ok": not bad})
        problems.extend(bad[:PROBLEM_LIMIT])

    # 1. Every case number given to a user is a case, the one opened by that form, for that applicant.
    told = [a for a in acks if a["kind"] == "case"]
    cases = {
        c.number: c for c in Case.objects.filter(number__in={a["number"] for a in told}).select_related("received_by")
    }
    bad = []
    for a in told:
        case = cases.get(a["number"])
        if case is None:
            bad.append(f"{a['number']}: acknowledged to {a['user']} but not in the database")
        elif str(case.intake_key) != a["intake_key"]:
            bad.append(f"{a['number']}: acknowledged for form {a['intake_key']} but belongs to {case.intake_key}")
        elif case.applicant_phone != a["phone"] or case.received_by.username != a["user"]:
            bad.append(f"{a['number']}: applicant or cadre differs from what {a['user']} entered")
    result("acknowledged cases in the database", bad, f"{len(told) - len(bad)}/{len(told)} found as acknowledged")

    # 2. One case per intake form, one form per case number, even with resubmissions during the outage.
    bad = []
    by_number = defaultdict(set)
    for a in told:
        by_number[a["number"]].add(a["intake_key"])
    bad += [f"{n}: one number acknowledged for {len(k)} different forms" for n, k in by_number.items() if len(k) > 1]
    keys = {a["intake_key"] for a in acks if a.get("intake_key")}
    per_key = Counter(str(k) for k in Case.objects.filter(intake_key__in=keys).values_list("intake_key", flat=True))
    bad += [f"form {k}: {n} cases" for k, n in per_key.items() if n > 1]
    unacked = Case.objects.filter(intake_key__in=keys).exclude(number__in=set(by_number)).count()
    result(
        "no case opened twice",
        bad,
        f"{len(per_key)} forms → {sum(per_key.values())} cases; {unacked} opened but never acknowledged",
    )

    # 3. Every acknowledged transition is in its case's history, by that user, at that step.
    done = [a for a in acks if a["kind"] == "step"]
    found = set(
        CaseEvent.objects.filter(
            case__number__in={a["number"] for a in done}, action__in={a["action"] for a in done}
        ).values_list("case__number", "action", "step_id", "actor__username")
    )
    bad = [
        f"{a['number']}: {a['action']} of step {a['step']} acknowledged to {a['user']} but not in the history"
        for a in done
        if (a["number"], a["action"], int(a["step"] or 0), a["user"]) not in found
    ]
    result("acknowledged transitions in the history", bad, f"{len(done) - len(bad)}/{len(done)} found")

    # Not a check: what became of actions whose answer was lost (an error, then a resubmission found it done).
    unknown = [a for a in acks if a["kind"] == "step_unknown"]
    applied = set(
        CaseEvent.objects.filter(case__number__in={a["number"] for a in unknown}).values_list(
            "case__number", "action", "step_id", "actor__username"
        )
    )
    n_applied = sum((a["number"], a["action"], int(a["step"] or 0), a["user"]) in applied for a in unknown)
    checks.append(
        {
            "name": "actions with a lost answer (information)",
            "detail": f"{len(unknown)}: {n_applied} were done (once), {len(unknown) - n_applied} not",
            "ok": True,
        }
    )

    # 4. No transition applied twice: a step is received, stamped or completed once (nothing is returned here).
    doubled = (
        CaseEvent.objects.filter(action__in=["stamped", "accepted", "step_done"], step__return_count=0)
        .values("case__number", "step_id", "action")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    bad = [f"{d['case__number']}: {d['action']} {d['n']} times for step {d['step_id']}" for d in doubled]
    result("no transition recorded twice", bad, f"{len(bad)} doubled")

    # 5. The pipeline is consistent: at most one active step; an open case's current step is its active one.
    bad = [
        f"{c['case__number']}: {c['n']} active steps"
        for c in CaseStep.objects.filter(state="active").values("case__number").annotate(n=Count("id")).filter(n__gt=1)
    ]
    open_cases = Case.objects.filter(state__in=Case.OPEN_STATES)
    bad += [
        f"{n}: open, but its current step is not active"
        for n in open_cases.exclude(current_step__state="active").values_list("number", flat=True)
    ]
    bad += [
        f"{n}: closed, with a step still active"
        for n in Case.objects.filter(state__in=Case.CLOSED_STATES, steps__state="active").values_list(
            "number", flat=True
        )
    ]
    result(
        "no case with two active steps",
        bad,
        f"{Case.objects.count()} cases, {open_cases.count()} open; {len(bad)} inconsistent",
    )

    # 6. The history's length and head match the case row and every seq is there (verify_history checks hashes).
    bad = [
        f"{c.number}: history_length {c.history_length} but {c.n} events, seq up to {c.top}"
        for c in Case.objects.annotate(n=Count("events"), top=Max("events__seq")).filter(
            ~Q(n=F("history_length")) | ~Q(top=F("history_length"))
        )
    ]
    result("history complete (length = events = last seq)", bad, f"{CaseEvent.objects.count()} events")

    print(json.dumps({"checks": checks, "problems": problems}, ensure_ascii=False))
    return 0 if all(c["ok"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
