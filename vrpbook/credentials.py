"""Production credentials from a file only its owner can read (scheduled runs have no terminal).

The file holds shell-style assignments, the same file a systemd
``EnvironmentFile=`` or ``sh`` could read::

    VRPBOOK_USERNAME='netops-ro'
    VRPBOOK_PASSWORD='s3cret'

vrpbook reads it itself so it can refuse a file others could read: it must be
a regular file owned by the user running vrpbook, with no permission bit for
group or others (``chmod 600``), like OpenSSH refuses a private key. Every
refusal is one line naming the file; the password never appears in one.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from vrpbook.errors import InventoryError
from vrpbook.inventory import ENV_PASSWORD, ENV_USER, Credentials

#: The option's environment variable: ``VRPBOOK_CREDENTIALS=/etc/vrpbook/credentials``.
ENV_FILE = "VRPBOOK_CREDENTIALS"


class CredentialsFileError(InventoryError):
    """A credentials file that cannot be used (exit 2)."""


def read_credentials_file(path: str | Path) -> Credentials:
    """The username and password in *path*, after checking that only its owner can read it."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        why = "a symbolic link (refused)" if p.is_symlink() else f"cannot open: {exc.strerror or exc}"
        raise CredentialsFileError(f"credentials file {p}: {why}") from None
    try:
        st = os.fstat(fd)  # the file opened, not a name that could be swapped meanwhile
        if not stat.S_ISREG(st.st_mode):
            raise CredentialsFileError(f"credentials file {p}: not a regular file")
        if st.st_uid != os.geteuid():
            raise CredentialsFileError(f"credentials file {p}: owned by uid {st.st_uid}, not by the user running vrpbook "
                                       f"(uid {os.geteuid()})")
        if st.st_mode & 0o077:
            raise CredentialsFileError(f"credentials file {p}: readable or writable by group or others "
                                       f"(mode {stat.S_IMODE(st.st_mode):04o}); chmod 600 {p}")
        with os.fdopen(os.dup(fd), encoding="utf-8") as fh:
            text = fh.read()
    finally:
        os.close(fd)
    values: dict[str, str] = {}
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            raise CredentialsFileError(f"credentials file {p}: line {no}: unbalanced quotes") from None
        if words and words[0] == "export":
            words = words[1:]
        if len(words) != 1 or "=" not in words[0]:
            raise CredentialsFileError(f"credentials file {p}: line {no}: expected NAME=VALUE")
        key, _, value = words[0].partition("=")
        values[key] = value
    user, password = values.get(ENV_USER), values.get(ENV_PASSWORD)
    if not user or not password:
        missing = [k for k, v in ((ENV_USER, user), (ENV_PASSWORD, password)) if not v]
        raise CredentialsFileError(f"credentials file {p}: no {' and no '.join(missing)}")
    return Credentials(user, password)
