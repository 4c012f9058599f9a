"""Render a stage's VRP commands for one router from its intent (Jinja2 templates).

Templates belong to runbooks (``runbooks/templates/``, or a ``templates/``
folder beside a runbook given by path); the tasks receive rendered commands.
Templates are plain VRP command text, one command per line, indented like the
reference procedure for readability; indentation and blank lines are dropped
when pushing (VRP reads each line in the current view).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import jinja2

from vrpbook.errors import RenderError
from vrpbook.intent import HostIntent, NetworkIntent

PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=32)
def _env(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    """One environment per template search path, so each template is compiled once
    (FileSystemLoader still reloads a template whose file changed)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        undefined=jinja2.StrictUndefined,  # a missing intent field is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_text(
    templates: Sequence[str], intent: HostIntent, host: str, intents: NetworkIntent, template_dirs: Sequence[Path] = ()
) -> str:
    """Render *templates* in order for *host*, as written (indented, with ``quit`` lines):
    the form :mod:`vrpbook.runbooks.stage_commands` reads the stage's sections from."""
    dirs = (*template_dirs, PACKAGE_TEMPLATES)
    env = _env(dirs)
    parts: list[str] = []
    for name in templates:
        try:
            parts.append(env.get_template(name).render(i=intent, host=host, intents=intents))
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"template {name!r} not found in {[str(d) for d in dirs]}") from exc
        except jinja2.UndefinedError as exc:
            raise RenderError(f"{host}: template {name}: {exc}") from exc
    return "\n".join(parts)


def command_lines(text: str) -> list[str]:
    """Rendered text as the command lines pushed (stripped, no blanks, no ``!`` comments)."""
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("!")]


def render_commands(
    templates: Sequence[str], intent: HostIntent, host: str, intents: NetworkIntent, template_dirs: Sequence[Path] = ()
) -> list[str]:
    """Render *templates* in order for *host*; return the command lines (stripped, no blanks)."""
    return command_lines(render_text(templates, intent, host, intents, template_dirs))
