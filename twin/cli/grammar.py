"""A tiny command-grammar DSL and the matcher that gives VRP's error positions.

Why a DSL: VRP's parser walks one keyword tree per view, so the *position* and
*kind* of an error (Unrecognized / Incomplete / Wrong parameter / Too many
parameters / Ambiguous) follow from the grammar alone. Writing each command as
a one-line syntax string and matching all of a view's commands together lets
the error logic live in one place instead of in every handler.

Syntax of a spec: keywords are bare words (matched case-insensitively, any
unique prefix), ``<name:TYPE>`` is a parameter, ``[ ... ]`` is optional,
``{ a | b }`` chooses one alternative. TYPE is one of the keys of
:data:`PARAM_TYPES`, ``INT(lo-hi)``, or ``TEXT`` (the rest of the line, as typed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Generic, TypeVar

from vrpbook.vrp import canonical_from_parts, canonical_interface_name, interface_types_matching

_V = TypeVar("_V")
_O = TypeVar("_O")  # whatever owns a command sequence (the registry's Command)

UNRECOGNIZED = "Unrecognized command"
INCOMPLETE = "Incomplete command"
WRONG = "Wrong parameter"
TOO_MANY = "Too many parameters"
AMBIGUOUS = "Ambiguous command"


class CliSyntaxError(Exception):
    """A VRP parser error: its kind and the character offset in the typed line."""

    def __init__(self, kind: str, offset: int) -> None:
        super().__init__(f"{kind} at {offset}")
        self.kind = kind
        self.offset = offset


# ---------------------------------------------------------------- parameters


def _ipv4(tok: str) -> IPv4Address | None:
    if not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", tok):
        return None
    try:
        return IPv4Address(tok)
    except ValueError:
        return None


def _mask(tok: str) -> int | None:
    """Mask as prefix length: accepts ``24`` or ``255.255.255.0`` (contiguous only)."""
    if tok.isdigit():
        n = int(tok)
        return n if 0 <= n <= 32 else None
    ip = _ipv4(tok)
    if ip is None:
        return None
    bits = f"{int(ip):032b}"
    if "01" in bits:
        return None
    return bits.count("1")


def _word(tok: str) -> str | None:
    return tok if tok and tok.isprintable() else None


def _rd(tok: str) -> str | None:
    """RD / RT: ``AS:N``, ``IP:N`` or ``AS.AS:N`` (VRP's three forms)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?|\d{1,3}(?:\.\d{1,3}){3}):(\d+)", tok)
    return tok if m else None


def _as_number(tok: str) -> str | None:
    if re.fullmatch(r"\d+", tok) and 1 <= int(tok) <= 4294967295:
        return tok
    if re.fullmatch(r"\d+\.\d+", tok):
        hi, lo = (int(x) for x in tok.split("."))
        return tok if hi <= 65535 and lo <= 65535 else None
    return None


def _area(tok: str) -> IPv4Address | None:
    if tok.isdigit() and int(tok) <= 4294967295:
        return IPv4Address(int(tok))
    return _ipv4(tok)


def _cluster_id(tok: str) -> str | None:
    """Route reflector cluster ID: 1-4294967295 or dotted IPv4, kept as typed."""
    if tok.isdigit():
        return tok if 1 <= int(tok) <= 4294967295 else None
    return tok if _ipv4(tok) is not None else None


def _label(tok: str) -> str | None:
    """Commit label: not starting with a digit or '-' (VRP8.md 3.1), quotes allowed."""
    text = tok[1:-1] if len(tok) >= 2 and tok[0] == tok[-1] == '"' else tok
    if not text or text[0].isdigit() or text[0] == "-" or len(text) > 256:
        return None
    return text


PARAM_TYPES: dict[str, Callable[[str], object | None]] = {
    "WORD": _word,
    "IPV4": _ipv4,
    "MASK": _mask,
    "WILDCARD": _ipv4,
    "RD": _rd,
    "AS": _as_number,
    "AREA": _area,
    "LABEL": _label,
    "CLUSTER": _cluster_id,
}


def _int_range(lo: int, hi: int) -> Callable[[str], object | None]:
    def check(tok: str) -> int | None:
        if tok.isdigit() and lo <= int(tok) <= hi:
            return int(tok)
        return None

    return check


# ---------------------------------------------------------------- spec compile


@dataclass(frozen=True)
class Kw:
    word: str


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    check: Callable[[str], object | None] | None  # None for IFNAME / TEXT


Elem = Kw | Param


def _tokenize_spec(spec: str) -> list[str]:
    return re.findall(r"<[^>]+>|[\[\]{}|]|[^\s\[\]{}|<>]+", spec)


def _parse_seq(toks: list[str], i: int, stop: set[str]) -> tuple[list[list[Elem]], int]:
    """Parse until a token in *stop*; return all linear expansions of the sequence."""
    seqs: list[list[Elem]] = [[]]
    while i < len(toks) and toks[i] not in stop:
        tok = toks[i]
        if tok == "[":
            inner, i = _parse_alts(toks, i + 1, "]")
            options: list[list[Elem]] = [[], *inner]
        elif tok == "{":
            options, i = _parse_alts(toks, i + 1, "}")
        elif tok.startswith("<"):
            name, _, kind = tok[1:-1].partition(":")
            kind = kind or "WORD"
            m = re.fullmatch(r"INT\((\d+)-(\d+)\)", kind)
            if m:
                check: Callable[[str], object | None] | None = _int_range(int(m[1]), int(m[2]))
            elif kind in ("IFNAME", "TEXT"):
                check = None
            else:
                check = PARAM_TYPES[kind]
            options = [[Param(name, kind, check)]]
            i += 1
        else:
            options = [[Kw(tok.lower())]]
            i += 1
        seqs = [s + o for s in seqs for o in options]
    return seqs, i


def _parse_alts(toks: list[str], i: int, close: str) -> tuple[list[list[Elem]], int]:
    alts: list[list[Elem]] = []
    while True:
        seqs, i = _parse_seq(toks, i, {"|", close})
        alts.extend(seqs)
        if i >= len(toks):
            raise ValueError(f"unbalanced grammar spec near {close!r}")
        if toks[i] == close:
            return alts, i + 1
        i += 1  # skip "|"


def compile_spec(spec: str) -> list[tuple[Elem, ...]]:
    """All linear token sequences a spec accepts (optional groups expanded)."""
    toks = _tokenize_spec(spec)
    seqs, i = _parse_seq(toks, 0, set())
    if i != len(toks):
        raise ValueError(f"bad grammar spec: {spec!r}")
    return [tuple(s) for s in seqs]


# ---------------------------------------------------------------- matching


@dataclass
class Args:
    """What a matched command carries to its handler."""

    values: dict[str, object] = field(default_factory=dict)
    offsets: dict[str, int] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()

    def __getitem__(self, name: str) -> object:
        return self.values[name]

    def get(self, name: str, default: object = None) -> object:
        return self.values.get(name, default)

    def has(self, keyword: str) -> bool:
        return keyword in self.keywords

    # Typed accessors: the grammar's parameter type decides the value's Python
    # type (IPV4 -> IPv4Address, INT/MASK -> int, WORD/TEXT/... -> str), so a
    # mismatch is a bug in a command spec, reported as a TypeError.
    def _typed(self, name: str, kind: type[_V]) -> _V | None:
        value = self.values.get(name)
        if value is None or isinstance(value, kind):
            return value
        raise TypeError(f"parameter {name!r} is {type(value).__name__}, not {kind.__name__}")

    def _required(self, name: str, kind: type[_V]) -> _V:
        value = self._typed(name, kind)
        if value is None:
            raise KeyError(name)
        return value

    def text(self, name: str) -> str:
        return self._required(name, str)

    def opt_text(self, name: str) -> str | None:
        return self._typed(name, str)

    def ip(self, name: str) -> IPv4Address:
        return self._required(name, IPv4Address)

    def opt_ip(self, name: str) -> IPv4Address | None:
        return self._typed(name, IPv4Address)

    def num(self, name: str) -> int:
        return self._required(name, int)

    def opt_num(self, name: str) -> int | None:
        return self._typed(name, int)


@dataclass(frozen=True)
class Token:
    text: str
    offset: int


def tokenize(line: str) -> list[Token]:
    return [Token(m.group(), m.start()) for m in re.finditer(r"\S+", line)]


@dataclass
class _State(Generic[_O]):
    owner: _O
    seq: tuple[Elem, ...]
    pos: int
    values: dict[str, object]
    offsets: dict[str, int]
    kws: tuple[str, ...]
    pending_if: str | None = None  # interface type typed without its number
    done_text: bool = False


def match(line: str, commands: list[tuple[_O, list[tuple[Elem, ...]]]]) -> tuple[_O, Args]:
    """Match *line* against ``(owner, sequences)`` pairs; return the winner.

    Raises :class:`CliSyntaxError` with VRP's kind and offset when nothing
    matches. Offsets are character offsets in *line*.
    """
    tokens = tokenize(line)
    if not tokens:
        raise CliSyntaxError(INCOMPLETE, len(line))
    states = [_State(owner, seq, 0, {}, {}, ()) for owner, seqs in commands for seq in seqs]
    for tok in tokens:
        live = [s for s in states if not s.done_text]
        finished = [s for s in states if s.done_text]
        nxt: list[_State[_O]] = []
        low = tok.text.lower()
        kw_words = {
            elem.word
            for s in live
            if s.pending_if is None and s.pos < len(s.seq) and isinstance(elem := s.seq[s.pos], Kw)
        }
        exact = low in kw_words
        prefix = {w for w in kw_words if w.startswith(low)}
        param_hit = False
        for s in live:
            if s.pending_if is not None:
                try:
                    name = canonical_from_parts(s.pending_if, tok.text)
                except ValueError:
                    continue
                elem = s.seq[s.pos]
                assert isinstance(elem, Param)
                nxt.append(_State(s.owner, s.seq, s.pos + 1, {**s.values, elem.name: name}, s.offsets, s.kws))
                param_hit = True
                continue
            if s.pos >= len(s.seq):
                continue
            elem = s.seq[s.pos]
            if isinstance(elem, Kw):
                ok = elem.word == low if exact else (elem.word in prefix and len(prefix) == 1)
                if ok:
                    nxt.append(_State(s.owner, s.seq, s.pos + 1, s.values, s.offsets, (*s.kws, elem.word)))
                continue
            offs = {**s.offsets, elem.name: tok.offset}
            if elem.kind == "TEXT":
                text = line[tok.offset:].rstrip()
                values = {**s.values, elem.name: text}
                nxt.append(_State(s.owner, s.seq, s.pos + 1, values, offs, s.kws, done_text=True))
                param_hit = True
            elif elem.kind == "IFNAME":
                try:
                    name = canonical_interface_name(tok.text)
                    nxt.append(_State(s.owner, s.seq, s.pos + 1, {**s.values, elem.name: name}, offs, s.kws))
                    param_hit = True
                except ValueError:
                    typed_type = re.fullmatch(r"[A-Za-z][A-Za-z\-]*|\d+GE", tok.text)
                    kinds = interface_types_matching(tok.text) if typed_type else []
                    if len(kinds) == 1:
                        nxt.append(_State(s.owner, s.seq, s.pos, s.values, offs, s.kws, pending_if=kinds[0]))
                        param_hit = True
            else:
                assert elem.check is not None
                value = elem.check(tok.text)
                if value is not None:
                    nxt.append(_State(s.owner, s.seq, s.pos + 1, {**s.values, elem.name: value}, offs, s.kws))
                    param_hit = True
        if not nxt and not finished:
            if len(prefix) > 1 and not exact and not param_hit:
                raise CliSyntaxError(AMBIGUOUS, tok.offset)
            expecting = [s for s in live if s.pending_if is not None or s.pos < len(s.seq)]
            if any(s.pending_if is not None or isinstance(s.seq[s.pos], Param) for s in expecting):
                raise CliSyntaxError(WRONG, tok.offset)
            if expecting:
                raise CliSyntaxError(UNRECOGNIZED, tok.offset)
            raise CliSyntaxError(TOO_MANY, tok.offset)
        states = nxt + finished
    complete = [s for s in states if s.done_text or (s.pending_if is None and s.pos == len(s.seq))]
    if not complete:
        raise CliSyntaxError(INCOMPLETE, len(line.rstrip()) + 1)
    best = complete[0]
    return best.owner, Args(dict(best.values), dict(best.offsets), best.kws)
