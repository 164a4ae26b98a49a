"""Results: what the cards did. Responses recorded and matched to the cards they answer,
and `mailer report`, the funnel per group with its costs, the experiment's comparison and
its chart (README, "Did it work?")."""
