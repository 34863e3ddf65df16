"""One error policy for every command: known failures print one short message, never a traceback.

Two kinds of known failure, by exit code:

- :class:`UsageError` (exit 2): the command line itself is wrong — a malformed or unknown value (a
  municipality code that is not one of SCB's 290, years no catalogue table covers), a path of the wrong kind
  (a file where a folder is expected), an output folder that cannot be written.
- :class:`Failure` (exit 1): the command line is fine but the work failed — an input file is missing or
  corrupt, the network or the cache failed, validation stopped the run, another run holds the lock.

Domain errors raised across the package (``ScbError``, ``WfsError``, ``KoladaError``, ``CatalogueError``,
``ProfileError``, ``PlanError``, ``RegisterError``, ``RefreshError``, YAML and parquet reader errors, file
system errors that name a path, …) are failures too: :func:`known_failure` maps them by class name, so this
module imports none of them. Anything else is a bug: it is reported as "unexpected error" with a pointer
to ``--debug``.

:func:`cli_errors` wraps each command function; it prints the message with rich to stderr and exits with
the failure's code. ``--debug`` (anywhere on the command line, see :mod:`segindicators.cli`) or
``SEGINDICATORS_DEBUG=1`` adds the full traceback.

Examples
--------
>>> err = UsageError.bad_value("--kommun", "abc", "a four-digit municipality code such as 0580")
>>> err.exit_code, str(err)
(2, "--kommun 'abc': expected a four-digit municipality code such as 0580, got 'abc'.")
>>> known_failure(FileNotFoundError(2, "No such file or directory", "/x/counts.parquet")).exit_code
1
>>> known_failure(KeyError("x")) is None
True
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = [
    "DEBUG_ENV",
    "DEBUG_FLAG",
    "Failure",
    "SegindicatorsError",
    "UsageError",
    "cli_errors",
    "debug_enabled",
    "known_failure",
    "report",
]

#: Environment variable that turns on tracebacks (``SEGINDICATORS_DEBUG=1``).
DEBUG_ENV = "SEGINDICATORS_DEBUG"
#: ``--debug`` on the command line (set by the root command group for the duration of one invocation).
DEBUG_FLAG: ContextVar[bool] = ContextVar("segindicators_debug", default=False)

F = TypeVar("F", bound=Callable[..., Any])


class SegindicatorsError(Exception):
    """Base of the known failures: a message that says what, expected, received and what to do.

    Parameters
    ----------
    message
        The whole message (one or a few sentences).
    hint
        Optional last sentence: what to do next.
    """

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} {hint}")

    def lines(self) -> list[str]:
        """The lines printed for this error (subclasses may add a headline)."""
        return [str(self)]


class UsageError(SegindicatorsError):
    """The command line is wrong (exit code 2); ``param`` names the argument or option."""

    exit_code = 2

    def __init__(self, message: str, *, param: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.param = param

    @classmethod
    def bad_value(cls, param: str, received: Any, expected: str, hint: str | None = None) -> UsageError:
        """``<param> <received>: expected <expected>, got <received>.`` plus an optional hint.

        Examples
        --------
        >>> print(UsageError.bad_value("--years", "1990", "years 2010–2024", "Pick years in that range."))
        --years '1990': expected years 2010–2024, got '1990'. Pick years in that range.
        """
        shown = repr(str(received))
        return cls(f"{param} {shown}: expected {expected}, got {shown}.", param=param, hint=hint)


class Failure(SegindicatorsError):
    """The work failed (exit code 1): missing or corrupt input, network, cache, validation, lock."""

    exit_code = 1


# Domain errors that are known failures, by the qualified name of a class in their MRO (no imports here).
_KNOWN: dict[str, str] = {
    "segindicators.sources.errors.SourceError": "",
    "segindicators.catalogue.definitions.CatalogueError": "",
    "segindicators.catalogue.check.CatalogueMismatchError": "",
    "segindicators.catalogue.transform.BuildError": "",
    "segindicators.catalogue.validate.CountsValidationError": "",
    "segindicators.plan.definition.PlanError": "",
    "segindicators.plan.measures.RegisterError": "",
    "segindicators.geography.profiles.ProfileError": "",
    "segindicators.geography.labels.LabelJoinError": "",
    "segindicators.geography.aggregate.NotAggregableError": "",
    "yaml.error.YAMLError": "a YAML file could not be parsed: ",
    "pyarrow.lib.ArrowException": "a parquet/arrow file could not be read: ",
}

_OS_HINTS: dict[type[OSError], str] = {
    FileNotFoundError: "check the path, or run the step that creates it first",
    NotADirectoryError: "a part of this path is a file, not a folder; choose another folder",
    IsADirectoryError: "this is a folder where a file is expected; name a file",
    FileExistsError: "a file is in the way; remove it or choose another folder",
    PermissionError: "no permission; choose a folder you can write to or fix the permissions",
}


def _qualnames(exc: BaseException) -> list[str]:
    return [f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__]


def known_failure(exc: BaseException) -> SegindicatorsError | None:
    """The known failure ``exc`` stands for, or None when it is not a known failure (a bug).

    Parameters
    ----------
    exc
        Any exception raised by a command.

    Returns
    -------
    SegindicatorsError or None
        ``exc`` itself for a :class:`SegindicatorsError`; a :class:`Failure` carrying the message of a known
        domain error or of a file-system error that names its path; None otherwise.
    """
    if isinstance(exc, SegindicatorsError):
        return exc
    for name in _qualnames(exc):
        if name in _KNOWN:
            failure = Failure(_KNOWN[name] + _one_paragraph(str(exc)))
            failure.__cause__ = exc
            return failure
    if isinstance(exc, OSError) and exc.filename is not None:
        what = exc.strerror or type(exc).__name__
        hint = next((h for cls, h in _OS_HINTS.items() if isinstance(exc, cls)), "check the path")
        target = f"{exc.filename!s}" + (f" → {exc.filename2!s}" if exc.filename2 else "")
        failure = Failure(f"{target}: {what.lower()}; {hint}.")
        failure.__cause__ = exc
        return failure
    return None


def _one_paragraph(text: str) -> str:
    return text.strip() or "(no message)"


def debug_enabled() -> bool:
    """True when ``--debug`` was given (:data:`DEBUG_FLAG`) or ``$SEGINDICATORS_DEBUG`` is a true value."""
    if os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    return DEBUG_FLAG.get()


def report(exc: BaseException, *, debug: bool | None = None) -> int:
    """Print ``exc`` as the policy says (rich, stderr) and return the exit code to use.

    Parameters
    ----------
    exc
        The exception a command raised.
    debug
        Also print the traceback (default: :func:`debug_enabled`).

    Returns
    -------
    int
        2 for usage errors, 1 for failures and unexpected errors.
    """
    from rich.console import Console
    from rich.markup import escape

    debug = debug_enabled() if debug is None else debug
    console = Console(stderr=True, soft_wrap=True, highlight=False)
    known = known_failure(exc)
    if debug:
        import traceback

        console.print("".join(traceback.format_exception(exc)).rstrip(), markup=False)
    if known is None:
        console.print(
            f"[red bold]unexpected error[/] ({escape(type(exc).__name__)}: {escape(_one_paragraph(str(exc)))})."
            + ("" if debug else " This is a bug: rerun with --debug and report the traceback.")
        )
        return 1
    lines = known.lines()
    console.print(f"[red bold]error:[/] {escape(lines[0])}")
    for line in lines[1:]:
        console.print(escape(line))
    if not debug and known.exit_code != 2:
        console.print("[dim](add --debug for the traceback)[/]")
    return known.exit_code


def cli_errors(func: F) -> F:
    """Decorator for a typer command: known failures become one message and exit 2 or 1 (see :func:`report`).

    ``typer.Exit``, ``typer.Abort`` and typer's own usage errors (``typer.BadParameter``) pass through
    unchanged (typer prints them).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import typer

        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            code = report(exc)
            sys.stderr.flush()
            raise typer.Exit(code) from None

    return wrapper  # type: ignore[return-value]
