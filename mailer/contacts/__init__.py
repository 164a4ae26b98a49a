"""The contact book: the seller's contacts (vCard, Google Contacts or Outlook CSV, plain
sheets) read into the ledger, matched to call rows, and used to complete them before the
cadence runs (README, "The contact book").

`entries` reads files into book entries, `vcard` splits vCard text into cards, `matching`
finds a person's entry, `enrichment` completes call records from the book, `book` imports
files and corrects an entry by hand.
"""
