"""Tamper evidence for the case history: each event's hash covers its content and its predecessor's hash."""

from .models import Case, CaseEvent

BATCH = 2000


def verify_chains(*, number: str | None = None) -> tuple[list[str], int]:
    """Walk every chain in seq order; return the problems found and how many cases were checked.

    Streams events in case order so a million-event history runs in constant memory.
    """
    problems: list[str] = []
    cases = Case.objects.order_by("pk")
    if number:
        cases = cases.filter(number=number)
    numbers = dict(cases.values_list("pk", "number"))
    events = CaseEvent.objects.filter(case_id__in=numbers.keys()) if number else CaseEvent.objects.all()
    seen: set[int] = set()
    current, expected_seq, prev_hash = None, 1, ""
    for event in events.order_by("case_id", "seq").iterator(chunk_size=BATCH):
        if event.case_id != current:
            current, expected_seq, prev_hash = event.case_id, 1, ""
            seen.add(current)
        label = f"{numbers.get(event.case_id, event.case_id)} #{event.seq}"
        if event.seq != expected_seq:
            problems.append(f"{label}: missing link, expected event #{expected_seq}")
        if event.prev_hash != prev_hash:
            problems.append(f"{label}: broken link, does not point to the previous event")
        if event.compute_hash() != event.hash:
            problems.append(f"{label}: content changed after it was written")
        expected_seq, prev_hash = event.seq + 1, event.hash
    for pk in numbers.keys() - seen:
        problems.append(f"{numbers[pk]}: no history at all")
    return problems, len(numbers)
