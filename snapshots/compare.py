"""Compare two sets of snapshots and prove the change: the one call most users need.

    pre = take(nr, routers, "pre", redact)
    ...                                   # the change, the drill, the rehearsal
    post = take(nr, routers, "post", redact)
    proof = compare(pre, post, meant)     # meant: router -> the diff the change meant ("" = nothing)
    proof.verdict                         # pass | fail | error

A drill that restores what it broke passes ``meant={r: "" for r in routers}``:
its proof passes only when configuration and state are back to the
pre-drill snapshot (sessions that flapped and came back show a later "since"
and are flagged — a drill wants them listed, not hidden: see :class:`Proof`).
"""

from __future__ import annotations

from collections.abc import Mapping

from .attribute import Proof, prove
from .collect import RouterSnapshot
from .diff import Difference, diff
from .normalise import SINCE_TOLERANCE


def compare(pre: Mapping[str, RouterSnapshot | str], post: Mapping[str, RouterSnapshot | str], meant: Mapping[str, str],
            tolerance: float = SINCE_TOLERANCE) -> Proof:
    """The differences between *pre* and *post* (per router), tied to *meant* or flagged.
    A router missing or unreadable on either side, or a display either side could not read,
    is listed as not compared (the verdict is then at best ``error``)."""
    differences: list[Difference] = []
    not_compared: dict[str, list[str]] = {}
    configs: dict[str, list[str]] = {}
    post_configs: dict[str, str] = {}
    warnings: list[str] = []
    for router in sorted(set(pre) | set(post)):
        a, b = pre.get(router), post.get(router)
        if not isinstance(a, RouterSnapshot) or not isinstance(b, RouterSnapshot):
            why = [f"{phase} snapshot: {s if isinstance(s, str) else 'missing'}"
                   for phase, s in (("pre", a), ("post", b)) if not isinstance(s, RouterSnapshot)]
            not_compared[router] = why
            continue
        unread = [f"{phase}: {cmd}: {err}" for phase, s in (("pre", a), ("post", b)) for cmd, err in s.errors.items()]
        if unread:
            not_compared[router] = unread
        warnings += [f"{router}: {w}" for s in (a, b) for w in s.warnings]
        configs[router] = [a.config, b.config]
        post_configs[router] = b.config
        differences += diff(a, b, tolerance)
    proof = prove(differences, {r: meant.get(r, "") for r in configs}, configs, post_configs)
    proof.not_compared = not_compared
    proof.warnings = sorted(set(warnings))
    return proof


__all__ = ["compare"]
