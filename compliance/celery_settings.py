"""Where the broker is: ``--broker`` / ``$VRPBOOK_BROKER`` and the result backend, without importing Celery.

``vrpbook check`` reads these options on every run; Celery itself is imported
only when a sweep is distributed (:mod:`.celery_app`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from vrpbook.errors import UsageError

ENV_BROKER = "VRPBOOK_BROKER"
ENV_RESULT_BACKEND = "VRPBOOK_RESULT_BACKEND"

#: Default seconds before a shard held by a dead worker is handed to another (kombu's is an hour).
VISIBILITY_TIMEOUT = 600.0


@dataclass(frozen=True)
class BrokerSettings:
    """Where the broker and the result backend are, and how fast a dead worker's shard comes back."""

    broker: str
    result_backend: str | None = None
    visibility_timeout: float = VISIBILITY_TIMEOUT

    @classmethod
    def resolve(cls, broker: str | None, result_backend: str | None = None,
                visibility_timeout: float = VISIBILITY_TIMEOUT) -> BrokerSettings:
        """The options, else the environment; a missing or non-Redis URL is one line (exit 2)."""
        url = broker or os.environ.get(ENV_BROKER)
        if not url:
            raise UsageError(f"no broker: give --broker redis://HOST:PORT/DB or set ${ENV_BROKER}")
        backend = result_backend or os.environ.get(ENV_RESULT_BACKEND) or url
        for what, value in (("broker", url), ("result backend", backend)):
            if not value.startswith(("redis://", "rediss://", "unix://")):
                raise UsageError(f"{what} {redact_url(value)}: only Redis is supported (redis://, rediss://, unix://)")
        if visibility_timeout <= 0:
            raise UsageError("--visibility-timeout must be positive")
        return cls(url, backend, visibility_timeout)


def redact_url(url: str) -> str:
    """*url* without its password (``redis://:secret@host`` → ``redis://:***@host``)."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
