"""Render a stage's VRP commands for one router from its intent (Jinja2 templates).

Templates belong to runbooks (``runbooks/templates/``, or a ``templates/``
folder beside a runbook given by path); the tasks receive rendered commands.
Templates are plain VRP command text, one command per line, indented like the
reference procedure for readability; indentation and blank lines are dropped
when pushing (VRP reads each line in the current view).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2

from vrpbook.errors import RenderError
from vrpbook.intent import HostIntent, NetworkIntent

PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _env(template_dirs: Sequence[Path]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        undefined=jinja2.StrictUndefined,  # a missing intent field is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_commands(
    templates: Sequence[str], intent: HostIntent, host: str, intents: NetworkIntent, template_dirs: Sequence[Path] = ()
) -> list[str]:
    """Render *templates* in order for *host*; return the command lines (stripped, no blanks)."""
    dirs = [*template_dirs, PACKAGE_TEMPLATES]
    env = _env(dirs)
    lines: list[str] = []
    for name in templates:
        try:
            text = env.get_template(name).render(i=intent, host=host, intents=intents)
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"template {name!r} not found in {[str(d) for d in dirs]}") from exc
        except jinja2.UndefinedError as exc:
            raise RenderError(f"{host}: template {name}: {exc}") from exc
        lines.extend(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("!"))
    return lines
