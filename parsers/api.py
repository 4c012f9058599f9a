"""``parse(command, text)``: the one trusted reader of VRP display output.

Steps, each failing closed with :class:`ParseError`:
1. the command is matched to a supported display (abbreviations allowed);
2. terminal noise is cleaned (CRLF, ANSI/pager escapes, tabs);
3. a leading ``<PE1> display ...`` line gives prompt/hostname/command and
   must be the same command; a bare trailing prompt is dropped;
4. device errors (``Error: ...``, caret lines) are refused;
5. every remaining line must match one rule of the command's TTP template;
6. the family builder checks the structure and returns the typed model.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from vrpbook.parsers.base import Context, ParsedOutput
from vrpbook.parsers.commands import ResolvedCommand, resolve
from vrpbook.parsers.errors import ParseError, ParseErrorKind
from vrpbook.parsers.grammar import load_grammar
from vrpbook.parsers.registry import BUILDERS
from vrpbook.parsers.text import Line, clean, is_bare_prompt, split_prompt

_LARGE = 200_000  # characters; below this the GC pause is not worth touching global state
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = True

_DEVICE_ERROR = re.compile(r"^\s*Error\s*(?:\[\d+\])?\s*:")
_CARET = re.compile(r"^\s*\^\s*$")
# Printed before the output by some terminals/releases: a timestamp ("2020-01-01 11:21:06.8",
# "2022-08-18 16:44:02.349 +08:00", "Jan  1 2020 11:21:06+08:00") and, with a "| include"
# filter, VRP8's "Info: It will take a long time ... press CTRL_C to break." (VRP8.md 5).
_TIMESTAMP = re.compile(
    r"\s*(?:\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2}\s+\d{1,2}\s+\d{4})\s+\d{1,2}:\d{2}:\d{2}(?:[.:]\d+)?"
    r"(?:\s*(?:[+-]\d{2}:\d{2}|UTC|DST))*\s*"
)
_SEARCH_INFO = re.compile(r"\s*Info: It will take a long time if the content you search is too much.*")
# A line that only says "rows left out here" (documentation excerpts): accepted with a warning.
_ELISION = re.compile(r"\s*(?:\.{3,}|\u2026+)\s*")


def parse(command: str, text: str) -> ParsedOutput:
    """Parse the output ``text`` of ``command``; raise :class:`ParseError` on anything not understood.

    For large outputs the cyclic garbage collector is paused while parsing: a 100,000-route table
    creates several hundred thousand small acyclic objects (freed by reference
    counting anyway), and the collector's passes over them cost about a third
    of the time (see ``bench/parse_routes.py``).
    """
    if len(text) < _LARGE:
        return _parse(command, text)
    with _gc_paused():
        return _parse(command, text)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while any thread parses a large output (restored by the last one)."""
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


def _parse(command: str, text: str) -> ParsedOutput:
    resolved = resolve(command)
    lines = clean(text)
    _refuse_device_errors(lines, command)
    header, body = _split_header(resolved, lines, command)
    ctx = Context(command=command, args=dict(resolved.args), output_filter=resolved.output_filter)
    body = _drop_elisions(body, ctx)
    # twin's choice (parser): an output with no line at all is never an empty table -- every
    # supported display prints at least its header/counters when it has nothing to list.
    if not any(line.text for line in body) and not resolved.spec.empty_ok:
        raise ParseError("empty output", command=command, kind=ParseErrorKind.EMPTY)
    grammar = load_grammar(resolved.spec.template)
    matches = grammar.scan(body, command)
    try:
        result = BUILDERS[resolved.spec.key](matches, ctx)
    except ValidationError as exc:
        # Builders hand raw strings to the models (routing tables validate all rows in one call), so
        # a value the model refuses (``\d`` also matches non-ASCII digits) must still be a ParseError.
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ParseError(f"{where}: {first['msg']} ({first.get('input')!r})", command=command,
                         kind=ParseErrorKind.VALUE) from exc
    for key, value in header.items():
        setattr(result, key, value)
    result.warnings.extend(ctx.warnings)
    result.incomplete = ctx.incomplete
    return result


def _split_header(resolved: ResolvedCommand, lines: list[Line], command: str) -> tuple[dict[str, str | None], list[Line]]:
    """Take the leading prompt/echo line and the trailing bare prompt off the body."""
    header: dict[str, str | None] = {"prompt": None, "hostname": None, "command": None}
    start = next((i for i, line in enumerate(lines) if line.text), len(lines))
    end = len(lines)
    while end > start and not lines[end - 1].text:
        end -= 1
    if end > start and is_bare_prompt(lines[end - 1].text):
        end -= 1
    if start < end:
        first = lines[start].text
        split = split_prompt(first)
        typed = split[1] if split else first.strip()
        same = bool(typed) and _same_command(typed, resolved)
        if split is not None or same:
            if typed and not same:
                raise ParseError(
                    f"output is of {typed!r}, not of the command asked",
                    command=command,
                    kind=ParseErrorKind.STRUCTURE,
                    line_no=lines[start].no,
                    line=first,
                )
            if split is not None:
                prompt = split[0]
                header = {"prompt": prompt.prompt, "hostname": prompt.hostname, "command": typed or None}
            start += 1
    start = _skip_preamble(resolved, lines, start, end)
    return header, lines[start:end]


def _skip_preamble(resolved: ResolvedCommand, lines: list[Line], start: int, end: int) -> int:
    """Skip what terminals print between the command and its output: timestamps, the
    "this may take long" note of a filtered display, a repeated echo of the command."""
    while start < end:
        text = lines[start].text
        if not text or _TIMESTAMP.fullmatch(text) or _SEARCH_INFO.fullmatch(text):
            start += 1
            continue
        split = split_prompt(text)
        typed = split[1] if split else text.strip()
        if typed and _same_command(typed, resolved):
            start += 1
            continue
        break
    return start


def _drop_elisions(body: list[Line], ctx: Context) -> list[Line]:
    """Documentation excerpts mark left-out rows with a line of dots: keep going, say so."""
    kept = []
    for line in body:
        if line.text[-1:] in (".", "\u2026") and _ELISION.fullmatch(line.text):
            ctx.warnings.append(f"line {line.no}: '...' line: records left out here (counters may disagree)")
            ctx.incomplete = True
            continue
        kept.append(line)
    return kept


def _same_command(typed: str, resolved: ResolvedCommand) -> bool:
    """True if ``typed`` resolves to the same display (and arguments) as ``resolved``."""
    try:
        other = resolve(typed)
    except ParseError:
        return False
    return other.spec.key == resolved.spec.key and other.args == resolved.args


def _refuse_device_errors(body: list[Line], command: str) -> None:
    """A device error is never a valid (empty) display: fail, quoting the error."""
    suspects = [line for line in body if "Error" in line.text or "^" in line.text]
    for line in suspects:
        if _DEVICE_ERROR.match(line.text):
            raise ParseError("device reported an error", command=command, kind=ParseErrorKind.DEVICE_ERROR,
                             line_no=line.no, line=line.text.strip())
    for line in suspects:
        if _CARET.match(line.text):
            raise ParseError("device error caret line (error text missing)", command=command,
                             kind=ParseErrorKind.DEVICE_ERROR, line_no=line.no, line=line.text)
