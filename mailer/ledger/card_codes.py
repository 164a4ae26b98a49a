"""Card codes in the ledger: each recorded sales card gets its code once
(`domain.card_codes`), unique across the ledger, and keeps it on every later plan."""

from __future__ import annotations

import sqlite3

from mailer.domain.card_codes import candidate
from mailer.domain.models import MailStep
from mailer.domain.step_codes import is_sales_card


def give_card_code(db: sqlite3.Connection, step: MailStep) -> str | None:
    """Give a recorded sales card its code, once: the first candidate no other card holds
    (`domain.card_codes`), so the same card keeps the same code on every later plan."""
    if not is_sales_card(step):
        return None
    row = db.execute("SELECT card_code FROM steps WHERE step_key = ?", (step.step_key,)).fetchone()
    if row is None or row["card_code"] is not None:
        return None if row is None else str(row["card_code"])
    attempt = 0
    while True:
        code = candidate(step.step_key, attempt)
        taken = db.execute("SELECT 1 FROM steps WHERE card_code = ?", (code,)).fetchone()
        if taken is None:
            db.execute("UPDATE steps SET card_code = ? WHERE step_key = ?", (code, step.step_key))
            return code
        attempt += 1
