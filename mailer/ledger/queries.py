"""The ledger's longer SQL, kept apart from the code that runs it so each reads whole.

Named parameters: `:today` and `:due` are ISO dates or NULL. `temp.wanted` (the contacts),
`temp.known_as` (every id of each contact, its own included: phone, email and case-folded
ids) and `temp.excluded` (the calls being planned) are filled by `Ledger.history` for the
duration of one read. A contact's mailings and opt-outs are found under any of their ids.
"""

from mailer.domain.moments import CARD_MOMENT_PASSED_SQL

ANY_HISTORY = """
    SELECT EXISTS (SELECT 1 FROM steps) OR EXISTS (SELECT 1 FROM suppressions)
"""
"""Whether there is anything the two history queries below could find: without a step or a
suppression they find nothing, whatever the contacts."""

SUPPRESSED_HISTORY = """
    SELECT k.contact_id FROM suppressions u JOIN temp.known_as k ON k.alias = u.contact_id
    WHERE u.lifted_at IS NULL
      AND (u.call_key IS NULL OR u.call_key NOT IN (SELECT call_key FROM temp.excluded))
"""

MAILING_HISTORY = f"""
    WITH mailed AS (
        SELECT k.contact_id AS person, s.step_key FROM temp.known_as k
        JOIN steps s ON s.contact_id = k.alias
        UNION
        SELECT k.contact_id, s.step_key FROM temp.known_as k
        JOIN steps s ON lower(trim(s.contact_id)) = k.alias
    )
    SELECT m.person AS contact_id, s.step_key, s.template, s.send_date, s.follow_up_call,
           coalesce(p.expected_delivery, s.expected_delivery) AS expected_delivery
    FROM mailed m JOIN steps s ON s.step_key = m.step_key
    LEFT JOIN pieces p ON p.step_key = s.step_key
    WHERE s.action = 'mail' AND s.send_date IS NOT NULL AND s.template IS NOT NULL
      AND s.call_key NOT IN (SELECT call_key FROM temp.excluded)
      AND coalesce(p.status, '') != 'cancelled'
      AND NOT (:today IS NOT NULL
               AND coalesce(p.status, 'planned') IN ('planned', 'rendered', 'failed')
               AND {CARD_MOMENT_PASSED_SQL})
    ORDER BY m.person, s.send_date, s.step_key
"""  # noqa: S608

CALL_HISTORY = """
    WITH called AS (
        SELECT k.contact_id AS person, c.call_key FROM temp.known_as k
        JOIN calls c ON c.contact_id = k.alias
        UNION
        SELECT k.contact_id, c.call_key FROM temp.known_as k
        JOIN calls c ON lower(trim(c.contact_id)) = k.alias
    )
    SELECT m.person AS contact_id, c.call_key, c.called_at, c.outcome
    FROM called m JOIN calls c ON c.call_key = m.call_key
    WHERE c.call_key NOT IN (SELECT call_key FROM temp.excluded)
    ORDER BY m.person, c.called_at, c.call_key
"""
"""Every call the ledger has seen to each contact, under any of their ids, for counting
attempts (`planning.attempts`)."""

LOST_CARD_SQL = """(coalesce(p.status, '') IN ('cancelled', 'failed')
    OR (p.status = 'planned' AND p.error IS NOT NULL))"""
"""A card that will not reach its contact (`p` is its piece): cancelled, refused or failed
(a provider's refusal included), or one that could not be drawn (`record_not_drawn`). Its
follow-up call ("did my note arrive?") is never made."""

FOLLOWUPS = f"""
    SELECT s.* FROM steps s
    JOIN calls c ON c.call_key = s.call_key
    LEFT JOIN pieces p ON p.step_key = s.step_key
    WHERE s.follow_up_call IS NOT NULL AND s.action IN ('mail', 'call')
      AND (:due IS NULL OR s.follow_up_call <= :due)
      AND NOT (s.action = 'mail' AND {LOST_CARD_SQL})
      AND NOT EXISTS (SELECT 1 FROM calls later
                      WHERE lower(trim(later.contact_id)) = lower(trim(s.contact_id))
                      AND later.called_at > c.called_at)
    ORDER BY s.follow_up_call, s.name, s.contact_id
"""  # noqa: S608
