"""How the command line says a mistake: one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `message` as one line (never wrapped, markup in it shown as text) and exit with `code`."""
    say(f"[red]{escape(message)}[/red]")
    raise typer.Exit(code)


def say(markup: str) -> None:
    """A one-line note on stderr (Rich markup), not wrapped at the terminal's width."""
    errors.print(markup, soft_wrap=True, highlight=False)
