"""Planning: the Call-Mail-Call cadence (who gets a card, who gets a call, who is left alone),
callback requests read from the notes, and the plan as documents (plan.json, rejects.csv)."""
