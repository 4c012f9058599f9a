"""Snapshots around a change, a normalised diff, and the proof that only the change changed.

``vrpbook.snapshots`` is shared by change runs (``vrpbook run``, ``vrpbook change
run``) and drills::

    from vrpbook.snapshots import take, compare

    pre = take(nr, ["PE1", "CE1"], "pre", redact)     # {router: RouterSnapshot | why not read}
    ...
    post = take(nr, ["PE1", "CE1"], "post", redact)
    proof = compare(pre, post, meant)                  # meant: router -> the diff the change meant
    print(proof.summary()); for line in proof.lines(): print(line)

- :mod:`.collect`: which displays (from the router's own configuration), read and
  normalised into a :class:`RouterSnapshot`;
- :mod:`.normalise`: ages become "since" times, counters are kept apart;
- :mod:`.diff`: configuration lines and state objects added, removed, changed;
- :mod:`.attribute`: each difference tied to a line of the change, or flagged;
- :mod:`.compare`: the two together, per router;
- :mod:`.recorder`: a run's snapshots in its artifacts and the history database.
"""

from __future__ import annotations

from .attribute import Proof, prove
from .collect import RouterSnapshot, displays_for, take
from .compare import compare
from .diff import Difference, diff
from .normalise import SINCE_TOLERANCE, normalise

__all__ = ["SINCE_TOLERANCE", "Difference", "Proof", "RouterSnapshot", "compare", "diff", "displays_for", "normalise", "prove",
           "take"]
