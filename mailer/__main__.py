"""`python -m mailer` runs the command-line tool."""

from mailer.cli import main

main()
