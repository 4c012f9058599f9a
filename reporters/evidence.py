"""Observed against expected, in words: the differences a person needs to read first.

Results carry ``observed`` and ``expected`` as JSON values (parsed model
dumps, mappings of peer → state, lists of configuration lines). Reporters show
what differs — ``pe1_to_ce1: Down (expected Up)``, ``missing: mpls ldp``,
``unexpected: vpn-target 999:1 both`` — and keep the whole values for the
details. Nothing here knows any check by name: it walks the values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from vrpbook.results import CheckResult, Status


def compact(value: Any, limit: int = 160) -> str:
    """One-line JSON-ish text of *value*, cut at *limit* characters with an ellipsis."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pretty(value: Any) -> str:
    """Indented JSON of *value* for detail views."""
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def differences(observed: Any, expected: Any, path: str = "") -> list[str]:
    """Every place where *observed* differs from *expected*, one line each.

    Mappings are compared key by key (a key only expected is ``absent``, one
    only observed is ``unexpected``); lists are compared as collections
    (``missing`` / ``unexpected`` items, order ignored); anything else as a
    value. An ``expected`` of ``None`` means "nothing stated": no differences.

    >>> differences({"pe1_to_ce1": "Down"}, {"pe1_to_ce1": "Up"})
    ['pe1_to_ce1: Down (expected Up)']
    >>> differences(["a", "c"], ["a", "b"])
    ['missing: b', 'unexpected: c']
    """
    where = f"{path}: " if path else ""
    if expected is None:
        return []
    if isinstance(expected, Mapping) and isinstance(observed, Mapping):
        out: list[str] = []
        for key in sorted(set(expected) | set(observed), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in observed:
                out.append(f"{sub}: absent (expected {_scalar(expected[key])})")
            elif key not in expected:
                out.append(f"{sub}: unexpected {_scalar(observed[key])}")
            else:
                out.extend(differences(observed[key], expected[key], sub))
        return out
    if _is_list(expected) and _is_list(observed):
        exp = [_scalar(v) for v in expected]
        obs = [_scalar(v) for v in observed]
        missing = [v for v in exp if v not in obs]
        unexpected = [v for v in obs if v not in exp]
        return [f"{where}missing: {v}" for v in missing] + [f"{where}unexpected: {v}" for v in unexpected]
    if _same(observed, expected):
        return []
    return [f"{where}{_scalar(observed) if observed is not None else 'absent'} (expected {_scalar(expected)})"]


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _same(a: Any, b: Any) -> bool:
    """Equal, with protocol states compared case-insensitively (``UP`` is ``Up``)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    return bool(a == b)


def result_differences(result: CheckResult) -> list[str]:
    """The differences worth showing for *result*: none for ``error`` (nothing was
    observed, so "absent" would be a false statement about the router)."""
    if result.status is Status.ERROR:
        return []
    return differences(result.observed, result.expected)
