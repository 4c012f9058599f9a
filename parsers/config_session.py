"""Who is changing the configuration: the session holding the exclusive lock.

(The trial timer, ``display configuration trial status``, is ``trial_status.py``.)

``display configuration-occupied user``: the session holding ``configuration
exclusive``. VRP prints **nothing** when the configuration is not locked
(VRP8.md 3.8, doc example 1), so this is the one display whose empty output
is a valid answer (``CommandSpec.empty_ok``): an empty holder list. A block
must carry every one of its lines, else the output was cut and fails closed.

Compliance checks (``vrpbook check``) read both to tell a router being
changed right now from one left in an odd state.
"""

from __future__ import annotations

from pydantic import Field

from vrpbook.parsers.base import Context, ParsedOutput, Record
from vrpbook.parsers.grammar import Match


class LockHolder(Record):
    """The session holding ``configuration exclusive``; times as printed (device local time)."""

    user_index: int
    session: str
    user: str
    address: str
    locked_time: str
    last_configuration_time: str
    timeout_s: int


class ConfigurationOccupied(ParsedOutput):
    """``display configuration-occupied user``: empty ``holders`` = not locked."""

    holders: list[LockHolder] = Field(default_factory=list)

    @property
    def locked(self) -> bool:
        return bool(self.holders)


_BLOCK = ("index", "session", "user", "address", "locked", "last_config", "timeout")


def build_occupied(matches: list[Match], ctx: Context) -> ConfigurationOccupied:
    """Blocks of seven lines in the documented order; nothing at all = unlocked."""
    holders: list[LockHolder] = []
    for start in range(0, len(matches), len(_BLOCK)):
        block = matches[start:start + len(_BLOCK)]
        for want, m in zip(_BLOCK, block, strict=False):
            if m.kind != want:
                raise ctx.fail(f"{m.kind} line where the lock holder's {want} line belongs", m)
        if len(block) < len(_BLOCK):
            raise ctx.fail(f"lock holder block cut after its {block[-1].kind} line (truncated)", block[-1])
        values = {m.kind: m for m in block}
        holders.append(LockHolder(
            user_index=ctx.req_int(values["index"], "index"),
            session=values["session"].values["session"].strip(),
            user=values["user"].values["user"].strip(),
            address=values["address"].values["address"].strip(),
            locked_time=values["locked"].values["time"],
            last_configuration_time=values["last_config"].values["time"],
            timeout_s=ctx.decimal(values["timeout"], "lock time out", values["timeout"].values["seconds"]),
        ))
    return ConfigurationOccupied(holders=holders)
