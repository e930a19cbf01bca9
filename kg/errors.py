"""One exception family; each kind maps to a documented exit code."""

from __future__ import annotations

import re

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_REMOTE = 3


class KGError(Exception):
    """Base error: printed as one line, ``kg: <where>: <what>``."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, where: str | None, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class InputError(KGError):
    """A file, term, option or query the user gave is unusable (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class CheckFailed(KGError):
    """A check ran and said no: validation failed, ASK was false (exit 1)."""

    exit_code = EXIT_CHECK_FAILED


class RemoteError(KGError):
    """A remote server was unreachable, timed out or answered with an error (exit 3)."""

    exit_code = EXIT_REMOTE


class MissingExtra(KGError):
    """An optional dependency needed by this command is not installed (exit 2)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(module, f"not installed; install it with: pip install 'ssp-kg[{extra}]'")


# C0 and C1 control characters (but not tab), DEL, and the invisible format characters a
# terminal would act on or hide (BOM, bidi overrides, zero-width spaces).
_UNPRINTABLE = re.compile(
    r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: one line, control characters shown as escapes.

    Messages carry text from files and servers (a status line, a parser's echo of a bad
    byte); an ``ESC[2J`` or an OSC title sequence in them must be shown, not obeyed.
    """
    return _UNPRINTABLE.sub(lambda match: _escape(match.group()), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
