"""Results: what happened after the cards (README, "Did it work?")."""
