"""mailer: the Call-Mail-Call follow-up method as a command-line tool.

After a calling session, turn the call log into a plan (who gets a card, why, and when to
call back), personal time-sensitive postcards, print-ready sheets or provider submissions,
and the list of follow-up calls.
"""

from mailer import kept_methods

# Before any of mailer's classes is made: their dataclass methods from kept code.
kept_methods.use()

__version__ = "0.1.0"
