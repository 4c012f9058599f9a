"""SSH front end of a twin router: password auth, byte-level terminal, one CLI per shell.

Why raw bytes (no asyncssh line editor): clients such as netmiko key on exact
echo and prompt bytes, so the twin echoes every character as received, treats
``\\r``, ``\\n`` and ``\\r\\n`` as one Enter, ignores NUL (napalm's
``is_alive``), maps Ctrl+Z to ``return`` and never wraps lines. Whatever
arrives, the session keeps serving: unknown input becomes a VRP error.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from pathlib import Path

import asyncssh

from .cli.session import CliSession
from .network.api import NetworkView
from .state import MAX_VTY, Router

log = logging.getLogger(__name__)

CTRL_Z = 0x1A
BACKSPACES = (0x08, 0x7F)


def load_or_create_host_key(path: Path) -> asyncssh.SSHKey:
    """The router's persistent ed25519 host key (generated on first boot)."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.parent.mkdir(parents=True, exist_ok=True)
    key.write_private_key(str(path))
    path.chmod(0o600)
    return key


class TwinTerminal(asyncssh.SSHServerSession[bytes]):
    """One interactive shell: bytes in, echo + CLI output out."""

    def __init__(self, router: Router, network: NetworkView, username: str, peer: str) -> None:
        self.router = router
        self.network = network
        self.username = username
        self.peer = peer
        self.chan: asyncssh.SSHServerChannel[bytes] | None = None
        self.cli: CliSession | None = None
        self.buf = bytearray()
        self.last_cr = False

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Mapping[int, int]
    ) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False  # a VRP VTY is interactive only

    def session_started(self) -> None:
        self.cli = CliSession(self.router, self.network, self.username, self.peer)
        self.cli.hangup = self._hangup
        self._write(self.cli.banner())

    def _hangup(self) -> None:
        """Drop the SSH connection at once, as a line cut or a router-side kill does."""
        if self.chan is not None:
            conn = self.chan.get_extra_info("connection")
            if conn is not None:
                conn.abort()

    def _write(self, text: str | bytes) -> None:
        if self.chan is None:
            return
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        self.chan.write(data)

    def data_received(self, data: bytes, datatype: int | None) -> None:
        cli = self.cli
        if cli is None or cli.closed:
            return
        out = bytearray()
        try:
            self._consume(data, cli, out)
        except Exception:  # never let one input kill the session or the server
            log.exception("twin terminal: input %r", data[:80])
            out += b"\r\n" + cli.handle_line("").encode()
        if out:
            self._write(bytes(out))
        self._exit_if_closed(cli)

    def _exit_if_closed(self, cli: CliSession) -> None:
        """Close the channel once the CLI logged out (``quit`` from user view)."""
        if cli.closed and self.chan is not None:
            self.chan.exit(0)

    def _consume(self, data: bytes, cli: CliSession, out: bytearray) -> None:
        """Echo and line discipline for one chunk of input bytes."""
        for b in data:
            if b == 0:
                continue  # napalm's is_alive() probe
            if b == 0x0A and self.last_cr:
                self.last_cr = False  # "\r\n" is ONE Enter
                continue
            self.last_cr = b == 0x0D
            if b in (0x0D, 0x0A):
                line = self.buf.decode("latin-1")
                self.buf.clear()
                out += b"\r\n" + cli.handle_line(line).encode("utf-8", "replace")
                if cli.closed:
                    break
            elif b == CTRL_Z:
                self.buf.clear()
                out += b"\r\n" + cli.ctrl_z().encode("utf-8", "replace")
            elif b in BACKSPACES:
                if self.buf:
                    self.buf.pop()
                    out += b"\b \b"
            elif b < 0x20:
                continue  # other control characters: ignored, not echoed (twin's choice)
            else:
                self.buf.append(b)
                out.append(b)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.cli is not None:
            self.cli.logout()
        self.chan = None


class TwinSSHServer(asyncssh.SSHServer):
    """Connection policy: password auth against the lab credentials."""

    def __init__(self, router: Router, network: NetworkView, username: str, password: str) -> None:
        self.router = router
        self.network = network
        self._username = username
        self._password = password
        self.user = ""
        self.peer = "127.0.0.1"

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        peer = conn.get_extra_info("peername")
        if peer:
            self.peer = str(peer[0])

    def begin_auth(self, username: str) -> bool:
        self.user = username
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        ok_user = hmac.compare_digest(username.encode(), self._username.encode())
        ok_pass = hmac.compare_digest(password.encode(), self._password.encode())
        return ok_user and ok_pass

    def session_requested(self) -> TwinTerminal | bool:
        if self.router.users_online >= MAX_VTY:
            return False
        return TwinTerminal(self.router, self.network, self.user, self.peer)


async def start_server(
    router: Router, network: NetworkView, host: str, port: int, host_key: asyncssh.SSHKey, username: str, password: str
) -> asyncssh.SSHAcceptor:
    """Listen for one router; port 0 picks a free port (read it from the acceptor)."""
    return await asyncssh.create_server(
        lambda: TwinSSHServer(router, network, username, password),
        host,
        port,
        server_host_keys=[host_key],
        encoding=None,
        line_editor=False,
        allow_scp=False,
        x11_forwarding=False,
        agent_forwarding=False,
        keepalive_interval=0,
    )
