"""The kinds of refusal. A refused action carries a message for the user (in Chinese through the catalogue) and a
`code` saying why, so views answer it the right way (403, a message, a form error) and tests can tell a refusal for
the wrong reason."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class CaseError(Exception):
    code = "refused"


class NotAllowed(CaseError):
    """Not this user's desk, village, department or role."""

    code = "not_allowed"


class WrongState(CaseError):
    """The case or step is not in a state where this can be done."""

    code = "wrong_state"


class InvalidInput(CaseError):
    """Something the user must write or choose is missing or does not fit."""

    code = "invalid_input"


class StaleError(WrongState):
    """The page was opened on an earlier version of the case (a double click, another user)."""

    code = "stale"


class DuplicateIntake(WrongState):
    """The same intake form was submitted twice; the first submission opened `case`."""

    def __init__(self, case):
        super().__init__(
            _("This case was already opened (%(number)s); it was not opened twice.") % {"number": case.number}
        )
        self.case = case


STALE_MESSAGE = gettext_lazy(
    "This case has changed since the page was opened (perhaps a double click or another user). "
    "Nothing was done; check the case and try again."
)
