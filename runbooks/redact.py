"""One redaction function that every artifact, log line and report goes through.

Known credentials are replaced wherever they appear, and so are VRP cipher
blobs (``%^%#…%^%#``, how VRP prints encrypted passwords and keys), so no
secret reaches the artifacts directory even if a router echoes one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

CIPHER_BLOB = re.compile(r"%\^%#.*?%\^%#")
MASK = "<redacted>"


class Redactor:
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = CIPHER_BLOB.sub(MASK, text)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


class RedactingFormatter(logging.Formatter):
    """A log formatter whose every line goes through the run's redactor."""

    def __init__(self, redactor: Redactor, fmt: str | None = None) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor(super().format(record))
