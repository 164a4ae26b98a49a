"""Reading call logs: files as exported (CSV/TSV text, .xlsx sheets) into `CallRecord`s, every
data row accounted for as a record or a rejection with its line number."""
