"""A TTP template read as a line grammar: the accounted, fast path.

Each template in ``templates/`` is a plain TTP file made of one-line groups:
the group name is the *kind* of line (``route``, ``header``, ``separator``
...), the line its grammar.  TTP alone returns ``{kind: [values, ...]}`` but
silently skips lines it does not match.  :class:`Grammar` compiles the same
template with TTP, takes the regex TTP built for every line, and walks the
output line by line: each line must match exactly one kind or the parse
fails, naming the line.  That gives both the fail-closed accounting and
speed (one anchored regex per line, no whole-text scans), while the template
stays the single source of truth.  ``tests/parsers`` proves that TTP itself
and this walker return the same values on every fixture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from ttp import ttp

from vrpbook.parsers.errors import ParseError, ParseErrorKind
from vrpbook.parsers.text import Line

_TTP_HEAD = "\\n"
_TTP_TAIL = "(?=\\n|\\r\\n)"
# Only pure patterns may appear in templates: all typing happens in Python,
# so that both paths (TTP and the walker) return the same raw strings.
_ALLOWED_FUNCTIONS: frozenset[str] = frozenset()
# A terminal wraps a line at its width; VRP consoles default to 80 columns.  A line
# printed exactly this wide may continue on the next one (Grammar.scan); VRP8 tables
# are often wider than 80 columns, and such lines are never joined.
WRAP_WIDTH = 80


@dataclass(frozen=True)
class Rule:
    """One template line: its kind and the anchored regex TTP compiled for it."""

    kind: str
    regex: re.Pattern[str]


class Match(NamedTuple):
    """A line recognised by a rule, with the captured (raw string) values.

    A NamedTuple: 100,000-row tables create one per line.
    """

    no: int
    kind: str
    values: dict[str, str]
    text: str


def template_text(name: str) -> str:
    """Read a template shipped in ``vrpbook.parsers/templates``."""
    return resources.files("vrpbook.parsers").joinpath("templates", name).read_text(encoding="utf-8")


class Grammar:
    """The line rules of one TTP template."""

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source
        self.rules = tuple(self._compile(source))
        if not self.rules:
            raise ValueError(f"template {name} defines no line rules")

    def _compile(self, source: str) -> list[Rule]:
        parser = ttp(template=source)
        rules: list[Rule] = []
        stack = list(parser._templates[0].groups)
        while stack:
            group = stack.pop(0)
            stack.extend(group.children)
            kind = group.name.rstrip("*")
            lines = group.start_re + group.re + group.end_re
            if len(lines) != 1 or group.children:
                raise ValueError(f"template {self.name}: group {kind!r} must hold exactly one line")
            entry = lines[0]
            for var_name, var in entry["VARIABLES"].items():
                bad = [f for f in var.functions if f.get("name") not in _ALLOWED_FUNCTIONS]
                if bad:
                    raise ValueError(f"template {self.name}: {kind}.{var_name} uses functions {bad}")
            pattern: str = entry["REGEX"].pattern
            if not (pattern.startswith(_TTP_HEAD) and pattern.endswith(_TTP_TAIL)):
                raise ValueError(f"template {self.name}: unexpected regex shape for {kind!r}")
            body = pattern[len(_TTP_HEAD) : -len(_TTP_TAIL)]
            rules.append(Rule(kind=kind, regex=re.compile(body)))
        return rules

    def scan(self, lines: list[Line], command: str) -> list[Match]:
        """Match every non-blank line to a rule; fail on the first line no rule matches.

        Rules of a template are kept mutually exclusive, so the first match is the
        only one; ``tests/parsers`` checks that on every fixture and on generated
        tables (``ambiguous_kinds`` and the TTP comparison).

        A line no rule matches may be half of a line a terminal wrapped at its width
        (80 columns on VRP5 consoles: ``GigabitEthernet`` / ``0/0/0``, a PrefRcv value
        alone on the next line, a column header broken inside a word).  Before failing,
        it is joined to the line just above it or to the line just below it -- only when
        the first half is printed exactly ``WRAP_WIDTH`` columns wide, as a wrapped line
        is -- as printed and with one space (the terminal ate the trailing blanks); the
        joined text must then match a rule as a whole.  Nothing else is ever joined, so
        a cut or unknown line still fails.
        """
        # Rules are tried most-recently-used first: table rows repeat one or two
        # kinds (route / ECMP continuation), so most lines cost one or two regexes.
        mru = list(self.rules)
        out: list[Match] = []
        append = out.append
        last_no = -1  # input line number of the last line the previous match consumed
        last_width = 0  # printed width of that line
        i, n = 0, len(lines)
        while i < n:
            line = lines[i]
            i += 1
            text = line.text
            if not text or text.isspace():
                continue
            # the fast path, inlined (100,000-row tables): one or two regexes per line
            for index, rule in enumerate(mru):
                m = rule.regex.fullmatch(text)
                if m is not None:
                    if index:
                        del mru[index]
                        mru.insert(0, rule)
                    append(Match(line.no, rule.kind, m.groupdict(), text))
                    last_no, last_width = line.no, line.width
                    break
            if m is not None:
                continue
            if out and last_no == line.no - 1 and last_width == WRAP_WIDTH:
                prev = out[-1]
                joined = self._joined(mru, prev.text, text)
                if joined is not None:
                    out[-1] = Match(prev.no, joined[0], joined[1], joined[2])
                    last_no, last_width = line.no, line.width
                    continue
            if line.width == WRAP_WIDTH and i < n and lines[i].no == line.no + 1 and lines[i].text.strip():
                joined = self._joined(mru, text, lines[i].text)
                if joined is not None:
                    out.append(Match(line.no, joined[0], joined[1], joined[2]))
                    last_no, last_width = lines[i].no, lines[i].width
                    i += 1
                    continue
            raise ParseError(
                "line not understood by the grammar of this command",
                command=command,
                kind=ParseErrorKind.UNKNOWN_LINE,
                line_no=line.no,
                line=text,
            )
        return out

    @staticmethod
    def _match(mru: list[Rule], text: str) -> tuple[str, dict[str, str]] | None:
        for index, rule in enumerate(mru):
            m = rule.regex.fullmatch(text)
            if m is not None:
                if index:
                    del mru[index]
                    mru.insert(0, rule)
                return rule.kind, m.groupdict()
        return None

    def _joined(self, mru: list[Rule], head: str, tail: str) -> tuple[str, dict[str, str], str] | None:
        """``head`` + ``tail`` as one wrapped line: as printed, else with the eaten blank back."""
        for text in (head + tail, head + " " + tail.lstrip()):
            found = self._match(mru, text)
            if found is not None:
                return found[0], found[1], text
        return None

    def ambiguous_kinds(self, text: str) -> list[tuple[str, list[str]]]:
        """Lines of ``text`` that more than one rule matches (a template defect)."""
        found = []
        for raw in text.split("\n"):
            kinds = [r.kind for r in self.rules if r.regex.fullmatch(raw)]
            if len(kinds) > 1:
                found.append((raw, kinds))
        return found

    def ttp_parse(self, text: str) -> dict[str, list[dict[str, Any]]]:
        """Run plain TTP on ``text``: ``{kind: [values, ...]}`` (the reference path)."""
        parser = ttp(data=text, template=self.source)
        parser.parse()
        result = parser.result()[0][0]
        if isinstance(result, list):  # several top-level results
            merged: dict[str, list[dict[str, Any]]] = {}
            for part in result:
                for key, val in part.items():
                    merged.setdefault(key, []).extend(val if isinstance(val, list) else [val])
            return merged
        return {k: (v if isinstance(v, list) else [v]) for k, v in result.items()}


@cache
def load_grammar(name: str) -> Grammar:
    """Compile a shipped template once per process."""
    return Grammar(name, template_text(name))
