"""The history schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied and
``PRAGMA application_id`` marks the file as vrpbook's, so a stray SQLite file
is refused instead of written into. A later feature appends a migration; never
edit one that has shipped (1: runs, subjects, transitions; 2: router locks;
3: change runs — ``runs`` rebuilt with the kinds ``change`` and ``rehearse``, a
ticket, status and exit code — the change log and the snapshots).

Migrations run with foreign keys off (``db.py``), so a table can be rebuilt the
way SQLite documents it (create the new one, copy, drop, rename); the
migration's transaction ends with ``PRAGMA foreign_key_check``.
"""

from __future__ import annotations

#: 'vrpb' — marks a SQLite file as a vrpbook history database.
APPLICATION_ID = 0x76727062

MIGRATIONS: tuple[str, ...] = (
    # 1: runs, the subjects judged, and their state transitions
    """
    CREATE TABLE runs (
        run_id          TEXT PRIMARY KEY,
        kind            TEXT NOT NULL CHECK (kind IN ('check', 'run', 'drill')),
        what            TEXT NOT NULL DEFAULT '',
        inventory       TEXT NOT NULL DEFAULT '',
        started_at      TEXT NOT NULL,          -- UTC ISO 8601
        finished_at     TEXT,                   -- NULL while the run is in progress
        verdict         TEXT CHECK (verdict IN ('pass', 'fail', 'error')),
        passed          INTEGER,
        failed          INTEGER,
        errors          INTEGER,
        changing        INTEGER,
        vrpbook_version TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX runs_started ON runs (started_at);

    CREATE TABLE subjects (                     -- one (router, check, params)
        subject_id            INTEGER PRIMARY KEY,
        router                TEXT NOT NULL,
        check_name            TEXT NOT NULL,
        params_key            TEXT NOT NULL,    -- canonical JSON (vrpbook.results.params_key)
        params                TEXT NOT NULL,
        current_transition_id INTEGER,
        last_seen_at          TEXT NOT NULL,    -- last time any run judged it
        last_run_id           TEXT REFERENCES runs (run_id),
        UNIQUE (router, check_name, params_key)
    );

    CREATE TABLE transitions (                  -- a change of status or observed value
        transition_id    INTEGER PRIMARY KEY,
        subject_id       INTEGER NOT NULL REFERENCES subjects (subject_id),
        at               TEXT NOT NULL,         -- first observed in this state (UTC ISO 8601)
        previous_seen_at TEXT,                  -- last observed in the previous state
        run_id           TEXT REFERENCES runs (run_id),
        status           TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error', 'changing')),
        observed         TEXT NOT NULL,         -- canonical JSON
        expected         TEXT NOT NULL,         -- canonical JSON
        message          TEXT NOT NULL,
        source           TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX transitions_subject_at ON transitions (subject_id, at);
    CREATE INDEX transitions_at ON transitions (at);
    """,
    # 2: per-router locks of runs and change windows (history/locks.py): who holds a
    # router, until when, and the process that does (so a dead holder is detectable)
    """
    CREATE TABLE router_locks (
        router     TEXT PRIMARY KEY,            -- one holder per router
        holder     TEXT NOT NULL,               -- who, in words: "run bfd-static-vpn", "window CHG-1234"
        ref        TEXT NOT NULL,               -- the run id or change id holding it (release names it)
        since      TEXT NOT NULL,               -- UTC ISO 8601
        expires_at TEXT NOT NULL,               -- UTC ISO 8601: the holder renews before, or the lock is stale
        pid        INTEGER NOT NULL,            -- the holding process ...
        pid_start  TEXT,                        -- ... its start time (/proc: survives pid reuse), NULL if unknown
        hostname   TEXT NOT NULL                -- ... on this machine
    );
    CREATE INDEX router_locks_ref ON router_locks (ref);
    """,
    # 3: change runs (changes/): runs gain the kinds 'change' and 'rehearse', the change
    # ticket, the run's status and exit code; every step of a change goes to change_log
    # under its ticket; each touched router's configuration and normalised state before
    # and after a change go to snapshots. SQLite cannot alter a CHECK constraint: runs is
    # rebuilt (foreign keys are off while migrating; the references keep the name).
    """
    CREATE TABLE runs_v3 (
        run_id          TEXT PRIMARY KEY,
        kind            TEXT NOT NULL CHECK (kind IN ('check', 'run', 'drill', 'change', 'rehearse')),
        what            TEXT NOT NULL DEFAULT '',
        inventory       TEXT NOT NULL DEFAULT '',
        started_at      TEXT NOT NULL,
        finished_at     TEXT,
        verdict         TEXT CHECK (verdict IN ('pass', 'fail', 'error')),
        passed          INTEGER,
        failed          INTEGER,
        errors          INTEGER,
        changing        INTEGER,
        vrpbook_version TEXT NOT NULL DEFAULT '',
        ticket          TEXT,                   -- the change ticket (change runs, runs with --ticket)
        status          TEXT,                   -- the run's own word: ok, rolled-back, refused, window-closed, ...
        exit_code       INTEGER
    );
    INSERT INTO runs_v3 (run_id, kind, what, inventory, started_at, finished_at, verdict, passed, failed, errors,
                         changing, vrpbook_version)
        SELECT run_id, kind, what, inventory, started_at, finished_at, verdict, passed, failed, errors,
               changing, vrpbook_version FROM runs;
    DROP TABLE runs;
    ALTER TABLE runs_v3 RENAME TO runs;
    CREATE INDEX runs_started ON runs (started_at);
    CREATE INDEX runs_ticket ON runs (ticket);

    CREATE TABLE change_log (                   -- every step of a change, under its ticket
        entry_id   INTEGER PRIMARY KEY,
        ticket     TEXT NOT NULL,
        run_id     TEXT REFERENCES runs (run_id),  -- NULL for plan and approve
        at         TEXT NOT NULL,               -- UTC ISO 8601
        kind       TEXT NOT NULL,               -- planned, approved, refused, started, stage, rolled-back, ...
        router     TEXT,                        -- NULL when it is about the whole change
        message    TEXT NOT NULL DEFAULT '',
        detail     TEXT NOT NULL DEFAULT '{}'   -- canonical JSON
    );
    CREATE INDEX change_log_ticket ON change_log (ticket, at);

    CREATE TABLE snapshots (                    -- a router before/after a change (snapshots/)
        snapshot_id INTEGER PRIMARY KEY,
        run_id      TEXT NOT NULL REFERENCES runs (run_id),
        ticket      TEXT,
        router      TEXT NOT NULL,
        phase       TEXT NOT NULL CHECK (phase IN ('pre', 'post')),
        at          TEXT NOT NULL,
        config      TEXT NOT NULL,              -- running configuration, redacted
        state       TEXT NOT NULL,              -- normalised parsed state (canonical JSON)
        counters    TEXT NOT NULL,              -- counters, kept apart from the state
        UNIQUE (run_id, router, phase)
    );
    """,
)

LATEST = len(MIGRATIONS)
