"""``vrpbook check``: read-only compliance of state and configuration against the intent.

- :mod:`.catalog` — the default catalog derived from the intent; catalog files
  (add, narrow, waive); one-line errors
- :mod:`.sweep` — one read-only session per router, every display once, settle,
  fail closed; held routers become ``changing``
- :mod:`.holders` — who holds a router: the history database's router locks,
  the device's lock and trial (and the hook for a run journal)
- :mod:`.pacing` — login pacing across a sweep
- :mod:`.command` — the ``vrpbook check`` command: no overlap, reports, history
"""
