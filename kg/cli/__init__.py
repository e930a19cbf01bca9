"""The ``kg`` command line: a click group whose subcommands are imported only when used."""

from __future__ import annotations

import importlib
import sys

import click

from kg import __version__
from kg.errors import KGError, printable

# Subcommand name -> "module:attribute"; modules are imported only when the command runs.
COMMANDS: dict[str, str] = {
    "export": "kg.cli.export:export",
    "fingerprint": "kg.cli.fingerprint:fingerprint_command",
    "queries": "kg.cli.queries:queries",
    "push": "kg.cli.push:push",
    "query": "kg.cli.query:query",
    "serve": "kg.cli.serve:serve",
    "stats": "kg.cli.stats:stats",
    "validate": "kg.cli.validate:validate",
    "viz": "kg.cli.viz:viz",
}

EPILOG = """\b
Exit codes:
  0  success
  1  a check failed (validation found problems, ASK answered false)
  2  bad input or usage (file, syntax, option, query)
  3  a remote server failed (unreachable, timeout, HTTP error)"""


class LazyGroup(click.Group):
    """A group that imports a subcommand's module on first use and maps KGError to exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KGError as error:
            click.echo(f"kg: {printable(str(error))}", err=True)
            ctx.exit(error.exit_code)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("kg: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="kg")
def cli() -> None:
    """Query, check, view and export the small-scale production knowledge graph.

    Every command works on the bundled graph by default and on any RDF file given with
    --data (add --with-bundled to use both).
    """


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="kg")
