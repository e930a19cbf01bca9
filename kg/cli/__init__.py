"""The ``kg`` command line: a click group whose subcommands are imported only when used."""

from __future__ import annotations

import contextlib
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

import click

from kg import __version__
from kg.errors import KGError, printable

# Subcommand name -> "module:attribute"; modules are imported only when the command runs.
COMMANDS: dict[str, str] = {
    "docs": "kg.cli.docs:docs",
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
  3  a remote server failed (unreachable, timeout, HTTP error)
  129, 130, 143  stopped by SIGHUP, Ctrl-C (SIGINT), SIGTERM (128 + the signal);
     a file being written is left as it was, with no temp file beside it"""

# Signals turned into an exception, so that cleanups (the temp file of an atomic write, the
# server of kg serve) run as they do for Ctrl-C.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: a BaseException, like KeyboardInterrupt, so none swallows it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise :class:`Stopped` (main thread only).

    A signal the caller chose to ignore (``nohup kg ...``) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(sig, _raise_stopped)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


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
            with _stop_signals_raise():
                return super().invoke(ctx)
        except Stopped as stopped:
            click.echo(f"kg: interrupted by {stopped}", err=True)
            ctx.exit(128 + stopped.signum)
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
    """Console-script entry point: click's own usage errors become one line, too."""
    # rdflib logs multi-line warnings, with tracebacks, for literals it cannot convert to
    # Python values (a 5,000-digit integer); kg keeps the lexical form and says nothing.
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    try:
        code = cli.main(prog_name="kg", standalone_mode=False)
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx is not None else "kg"
        message = printable(error.format_message())
        click.echo(f"kg: {message} (see {where} --help)", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(f"kg: {printable(error.format_message())}", err=True)
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("kg: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if type(code) is int else 0)
