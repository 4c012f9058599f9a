"""The README's fault table, made from the fault suite's own measurements.

The suite writes one row per scenario to ``build/fault-table.json`` (or
``$VRPBOOK_FAULT_TABLE``) as it runs. This script turns that file into the
Markdown table and, with ``--write README.md``, replaces the table between the
``<!-- fault-table -->`` markers::

    pytest tests/faults && python tests/faults/table.py build/fault-table.json --write README.md

``test_faults.py`` checks, at the end of every suite run, that each scenario's
fault, point, exit code and end state are in the README exactly as measured
(the seconds vary from run to run and machine to machine; they are this
machine's figures from the run that wrote the table).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

START, END = "<!-- fault-table -->", "<!-- /fault-table -->"
HEADER = ("fault", "point", "exit", "end state (running and saved, every router)", "time to settle", "settled by")


def _exit(code: Any) -> str:
    return "SIGKILL" if code == -9 else str(code)


def row_cells(row: dict[str, Any]) -> tuple[str, ...]:
    return (str(row["fault"]), f"`{row['point']}`" if row["point"] != "-" else "-", _exit(row["exit_code"]),
            str(row["end_state"]), f"{row['settle_s']:.1f} s", str(row["settled_by"]))


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row_cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def readme_rows(text: str) -> list[tuple[str, ...]]:
    """The table's rows as printed in the README (cells stripped), header and rule excluded."""
    m = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    if not m:
        return []
    return [tuple(c.strip() for c in ln.strip().strip("|").split("|")) for ln in m.group(1).splitlines()[2:] if ln.strip()]


def write(readme: Path, rows: list[dict[str, Any]]) -> None:
    text = readme.read_text()
    block = f"{START}\n{markdown(rows)}\n{END}"
    if START in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        raise SystemExit(f"{readme}: no {START} marker")
    readme.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("measurements", type=Path)
    ap.add_argument("--write", type=Path, help="README to update between the fault-table markers")
    args = ap.parse_args()
    rows = json.loads(args.measurements.read_text())
    if args.write:
        write(args.write, rows)
    else:
        print(markdown(rows))


if __name__ == "__main__":
    main()
