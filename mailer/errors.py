"""The error family the core raises. The CLI catches `MailerError` once and prints one line.

Each class says what went wrong and carries a hint about the way out; none of them ever holds
an API key (see `providers`), so a message can always be shown.
"""

from __future__ import annotations


class MailerError(Exception):
    """Base class: something the user can fix. `hint` says how."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(MailerError):
    """Bad arguments or options: fix the command line."""

    exit_code = 2


class ConfigError(MailerError):
    """`mailer.toml` is invalid: the message names the key and the fix."""

    exit_code = 2


class InputError(MailerError):
    """A call log can't be read at all (missing file, no header, no outcome column)."""


class LedgerError(MailerError):
    """The ledger database can't be opened or is from a newer mailer."""


class NoLedgerError(LedgerError):
    """A command that only reads found no ledger where it looked: it never starts one."""

    exit_code = 4


class LedgerBusy(LedgerError):
    """Another mailer process kept the ledger's lock (drawing, printing or sending), or
    SQLite's own lock for a write, for longer than this one would wait; what was not done
    was not recorded, so running again is safe."""

    exit_code = 5


class TemplateError(MailerError):
    """A card template failed: the message names the template, the line and the contact."""


class RenderError(MailerError):
    """A card can't be drawn within its zones (for example the text does not fit)."""


class ProviderError(MailerError):
    """A print-and-mail service refused or failed a request."""


class AuthError(ProviderError):
    """The provider rejected the API key (401/403): the whole batch stops."""


class WriteError(MailerError):
    """A file can't be written where it belongs (the disk is full, read-only, or the folder
    not ours): the message names the file, and what was finished before is kept."""

    def __reduce__(self) -> tuple[type[WriteError], tuple[str, str]]:
        # Raised in the drawing worker processes too: the hint crosses with the message.
        return (type(self), (self.message, self.hint))
