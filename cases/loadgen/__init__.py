"""`manage.py generate_load_data --cases N [--years 4] [--seed 1]`: realistic synthetic cases for `make bench`.

Tops a town (the demo town by default; `seed_demo --if-empty` runs first when there is none) up to N cases, so
`--cases 10000` then `--cases 200000` adds only the difference. Each case lives the life the services would give
it, played forward from its intake time up to now:

- intake spread over the last few years, mostly on market days, with villages and matters weighted;
- the matter's route copied into steps (village certificate → town desks → county), each step started, due
  (working days from the holiday calendar, like `cases.calendar`), file received, finished, and by whom;
- most cases completed; some rejected, withdrawn (often after being asked for materials that never came),
  returned a step or skipped by the town office; the cases whose life has not ended by now are open — in progress,
  or awaiting materials with the clock stopped — with exactly one active step, and some of them overdue;
- county appointments (booked for a market day, confirmed, done or no-show and rebooked) and referrals;
- disputes with their parties and mediation outcome; 村镇联办 flagged (`is_joint`);
- 好差评 for about half the finished cases (mostly satisfied), a rectification for each bad one, most answered;
- one seal-register entry per village stamp, a hash-chained history per case with its head on the case
  (`verify_history` passes), case numbers that continue each day's sequence and the matching `CaseCounter` rows;
- about one consultation (a visit that opened no case) per three cases, for the statistics.

Each batch is one transaction. Ids are reserved first (a case points at its current step, events at steps, and the
hashes cover the ids), then the rows go in with binary COPY on PostgreSQL or `bulk_create` elsewhere; as a
superuser the foreign keys are checked once per batch and referenced row instead of once per row
(`cases.loadgen.writing`). The history is written directly: `CaseEvent.save()` refuses changes, not new rows, and
every event's hash is computed by the model's own code before it is stored. What the services compute the same way
for many cases (a deadline from a day, the words of a message) is asked of them once per run and reused.
"""
