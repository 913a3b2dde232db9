"""Source modules, one per source. A module that defines `COMMAND` (an etl.context.SourceCommand)
is offered as `storewatch etl <COMMAND.name>`: adding a source is adding a module here."""

from __future__ import annotations

import importlib
import pkgutil

from etl.context import SourceCommand


def source_commands() -> list[SourceCommand]:
    """Every source module's command, in module name order."""
    commands = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        command = getattr(module, "COMMAND", None)
        if isinstance(command, SourceCommand):
            commands.append(command)
    return commands
