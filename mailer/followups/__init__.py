"""Follow-ups: the second call of Call-Mail-Call, who to ring, when and what to say, as a
CSV call sheet and a calendar."""
