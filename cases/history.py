"""Tamper evidence for the case history: each event's hash covers its content and its predecessor's hash, and the
case row keeps the chain's head (length and last hash), so a removed newest event shows too."""

from django.db.models import Exists, F, OuterRef

from .models import Case, CaseEvent

BATCH = 2000


def verify_chains(*, number: str | None = None) -> tuple[list[str], int]:
    """Walk every chain in seq order; return the problems found and how many cases were checked.

    Streams events in case order with the case's number and recorded head, so a million-event history runs in
    constant memory.
    """
    problems: list[str] = []
    cases = Case.objects.all()
    events = CaseEvent.objects.all()
    if number:
        cases = cases.filter(number=number)
        events = events.filter(case__number=number)
    events = events.annotate(
        case_number=F("case__number"), head_length=F("case__history_length"), head_hash=F("case__history_head")
    ).order_by("case_id", "seq")

    current = None
    expected_seq, prev_hash, head = 1, "", None

    def check_head() -> None:
        case_number, length, last_hash = head
        if (length, last_hash) != (expected_seq - 1, prev_hash):
            problems.append(
                f"{case_number}: the history ends at #{expected_seq - 1}, but the case recorded #{length} as its"
                " latest event (events removed or added outside the application)"
            )

    for event in events.iterator(chunk_size=BATCH):
        if event.case_id != current:
            if current is not None:
                check_head()
            current, expected_seq, prev_hash = event.case_id, 1, ""
            head = (event.case_number, event.head_length, event.head_hash)
        label = f"{event.case_number} #{event.seq}"
        if event.seq != expected_seq:
            problems.append(f"{label}: missing link, expected event #{expected_seq}")
        if event.prev_hash != prev_hash:
            problems.append(f"{label}: broken link, does not point to the previous event")
        if event.compute_hash() != event.hash:
            problems.append(f"{label}: content changed after it was written")
        expected_seq, prev_hash = event.seq + 1, event.hash
    if current is not None:
        check_head()
    for case_number in cases.filter(~Exists(CaseEvent.objects.filter(case=OuterRef("pk")))).values_list(
        "number", flat=True
    ):
        problems.append(f"{case_number}: no history at all")
    return problems, cases.count()
