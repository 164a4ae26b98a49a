"""Sending: cards through a print-and-mail service. `submission` picks the pieces and builds
each request, `loop` sends a batch exactly once whatever happens, `providers` speak to Lob
and PostGrid."""
