"""The ledger: one SQLite file that remembers every call, step, opt-out and card between
commands, so that nothing is planned, printed or charged twice.

`store` holds the `Ledger` and its transactions, `rows` how the domain sits in rows, `schema`
the tables and their migrations.
"""

from mailer.ledger.rows import Piece, PieceEvent, PieceStatus, idempotency_key
from mailer.ledger.store import Ledger, RecordResult

__all__ = ["Ledger", "Piece", "PieceEvent", "PieceStatus", "RecordResult", "idempotency_key"]
