"""The ``sinstats`` command line: every subcommand's parser, and handlers that call the layers.

Subcommands: ``list`` (datasets, years, notebooks), ``validate FILE...``, ``checksums``, ``build``
(:mod:`sinstats.build.pipeline`), ``verify`` (:mod:`sinstats.analyses.claims`) and ``fetch``
(:mod:`sinstats.data.releases`). The work is done in the layers; this module only parses options,
calls one library function and prints its result. A subcommand's module is imported only when that
subcommand runs (``sinstats verify`` imports jsonschema and SciPy, which ``sinstats build`` never
needs, and a no-change rebuild should take well under a second). Expected errors print one
sentence and exit 2, without a traceback: sinstats' own errors, and the operating system's
(a full disk, a read-only folder, a file where a folder is needed: the ``errno`` values of
:data:`~sinstats.errors.EXPECTED_OS_ERRORS`). SIGTERM is handled like Ctrl-C (the build stops its
workers and releases its lock; the exit status is 128 + the signal number).
"""

from __future__ import annotations

import argparse
import os
import signal
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from sinstats import __version__, paths
from sinstats.errors import EXPECTED_OS_ERRORS, OutputError, ParameterError, SinstatsError

Handler = Callable[[argparse.Namespace], int]
Subparsers = argparse._SubParsersAction


# ---------------------------------------------------------------------------------------------
# list, validate, checksums (the data layer)
# ---------------------------------------------------------------------------------------------


def _cmd_list(args: argparse.Namespace) -> int:
    from sinstats import data

    table = data.summary(args.data_dir)
    print("Datasets (data/published/, checked against data/SHA256SUMS):")
    for row in table.itertuples():
        print(f"  {row.dataset:<20} {row.rows:>4} rows  {row.description}")
        print(f"  {'':<20} periods: {row.periods}")
        print(f"  {'':<20} sources: {row.origins}")
    latest = data.latest_period(data_dir=args.data_dir)
    print(f"Latest April-March year with data: {latest.label}")
    notebooks = sorted(p.name for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))
    print("Notebooks:")
    for name in notebooks:
        print(f"  {name}")
    if not notebooks:
        print("  (none)")
    return 0


def _is_breaks_file(path: str) -> bool:
    return Path(path).suffix in (".yml", ".yaml") and Path(path).stem.startswith("breaks")


def _breaks_errors(path: str) -> list[Exception]:
    """Check a breaks file against the data folder it sits in (or the project's data)."""
    from sinstats import data

    folder = Path(path).resolve().parent
    try:
        data.load_breaks(folder if (folder / "published").is_dir() else None, path=path)
    except SinstatsError as err:
        return [err]
    return []


def _not_a_data_file(path: str) -> str | None:
    """Why ``path`` cannot be validated (missing, a folder, a FIFO...), or None for a file."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return f"{path}: file not found"
    except OSError as err:
        return f"{path}: cannot read it ({err.strerror or err})"
    if stat.S_ISDIR(mode):
        return f"{path}: is a folder, not a data file; give the CSV files inside it"
    if not stat.S_ISREG(mode):
        return f"{path}: is not a regular file (a pipe or a device?); give a CSV file"
    return None


def _cmd_validate(args: argparse.Namespace) -> int:
    from sinstats import data

    failed = 0
    for path in args.files:
        problem = _not_a_data_file(path)
        if problem is not None:
            failed += 1
            print(f"invalid: {problem}", file=sys.stderr)
            continue
        errors = (
            _breaks_errors(path) if _is_breaks_file(path) else data.validate_file(path, args.schema)
        )
        if errors:
            failed += 1
            for err in errors:
                print(f"invalid: {err}", file=sys.stderr)
        else:
            print(f"valid: {path}")
    if failed:
        print(f"{failed} of {len(args.files)} file(s) invalid", file=sys.stderr)
        return 2
    return 0


def _cmd_checksums(args: argparse.Namespace) -> int:
    from sinstats import data

    if args.update:
        out = data.write_checksums(args.data_dir)
        print(f"wrote {out}")
        return 0
    problems = data.verify_checksums(args.data_dir)
    for err in problems:
        print(f"checksum: {err}", file=sys.stderr)
    if problems:
        return 2
    print("every published data file matches data/SHA256SUMS")
    return 0


def _add_data_commands(sub: Subparsers[argparse.ArgumentParser], command: str | None) -> None:
    # The --schema choices need the data layer's schema (and pandas): only for validate itself,
    # or for the help that lists every command; parsing another command never reads them.
    datasets: list[str] | None = None
    if command not in _HEAVY_COMMANDS and command not in ("list", "checksums"):
        from sinstats.data import schema

        datasets = list(schema.list_datasets())

    p = sub.add_parser("list", help="list datasets with their years, and the notebooks")
    p.add_argument("--data-dir", default=None, help="data folder (default: data/)")
    p.set_defaults(handler=_cmd_list)

    p = sub.add_parser(
        "validate",
        help="check data files against their schema, or a breaks.yml file (exit 2 if not)",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--schema",
        choices=datasets,
        default=None,
        help="dataset schema to use (default: from the file name)",
    )
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("checksums", help="check (or --update) data/SHA256SUMS")
    p.add_argument("--update", action="store_true", help="rewrite SHA256SUMS after a review")
    p.add_argument("--data-dir", default=None, help="data folder (default: data/)")
    p.set_defaults(handler=_cmd_checksums)


# ---------------------------------------------------------------------------------------------
# build (the build layer)
# ---------------------------------------------------------------------------------------------


def _cmd_build(args: argparse.Namespace) -> int:
    from sinstats.build import pipeline

    if args.cold_kernels:
        from sinstats.build import kernels  # only here: a rebuild with nothing to do starts none

        os.environ[kernels.COLD_ENV] = "1"  # read by the workers (sinstats.build.kernels)

    result = pipeline.build(
        config_path=args.config,
        notebooks_dir=args.notebooks_dir,
        data_dir=args.data_dir,
        out_dir=args.out,
        years=args.year,
        notebooks=args.notebook,
        parameters=pipeline.parse_parameter_options(args.parameters),
        jobs=args.jobs,
        force=args.force,
        wait=args.wait,
        dry_run=args.dry_run,
        progress=not args.no_progress,
    )
    if result.disk_full:
        print(
            f"error: {len(result.disk_full)} run(s) failed because the disk is full (no space "
            "left on the device); free some space and build again; earlier good reports were "
            "kept and the manifest describes what is on disk",
            file=sys.stderr,
        )
    elif result.failed:
        print(
            f"error: {len(result.failed)} run(s) failed; earlier good reports were kept; "
            "see the notes above and the executed copies under "
            f"{result.out_dir / pipeline.FAILED_NAME}",
            file=sys.stderr,
        )
    elif result.errors:
        print("error: the runs succeeded but a build step failed (see above)", file=sys.stderr)
    return result.exit_code


def _add_build(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "build",
        help="run the notebooks of reports.yml and export HTML, PDF, CSV and XLSX reports",
        description=(
            "Execute the run matrix of reports.yml (every notebook for the latest year, the "
            "year-specific notebooks for every year with data), in parallel and incrementally: a "
            "run whose notebook, library, data, parameters and packages are unchanged since its "
            "last successful build is skipped. Exit status: 0 all ok, 1 a run failed (earlier "
            "good reports kept), 2 bad input (nothing run)."
        ),
    )
    p.add_argument(
        "--year",
        action="append",
        metavar="Y",
        help="only this April-March year (2025-26, 2026 or 202526); repeatable",
    )
    p.add_argument(
        "--notebook",
        action="append",
        metavar="NAME",
        help="only this notebook (name, file name or number, e.g. 01); repeatable",
    )
    p.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="worker processes (default: CPUs)"
    )
    p.add_argument("--force", action="store_true", help="rebuild even when up to date")
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no live progress bar on a terminal (each run's line still starts with k/N)",
    )
    p.add_argument(
        "--cold-kernels",
        action="store_true",
        help="start every kernel as a new interpreter rather than forking it from a pre-imported "
        "template (same reports, slower; also SINSTATS_COLD_KERNELS=1)",
    )
    p.add_argument("--out", default=None, metavar="DIR", help="reports folder (default reports/)")
    p.add_argument(
        "-p",
        "--parameter",
        action="append",
        dest="parameters",
        metavar="NAME=VALUE",
        help="notebook parameter, checked against its parameters cell; repeatable",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the matrix and what would run; run nothing"
    )
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another build of the same folder (default: refuse at once)",
    )
    p.add_argument(
        "--config", default=None, metavar="FILE", help="run matrix (default reports.yml)"
    )
    p.add_argument(
        "--notebooks-dir", default=None, metavar="DIR", help="notebooks (default notebooks/)"
    )
    p.add_argument("--data-dir", default=None, metavar="DIR", help="data folder (default data/)")
    p.set_defaults(handler=_cmd_build)


# ---------------------------------------------------------------------------------------------
# verify (the claims analysis)
# ---------------------------------------------------------------------------------------------


def _cmd_verify(args: argparse.Namespace) -> int:
    from sinstats.analyses import claims

    results = claims.verify_files(
        args.claims, conf_level=args.conf_level, data_dir=args.data_dir, adjust=args.adjust
    )
    text = claims.render(results, args.format, strict=args.strict)
    if args.output:
        out = claims.write_atomic(args.output, text)
        print(f"wrote {out}: {claims.summary_line(results, args.strict)}", file=sys.stderr)
    else:
        print(text, end="")
    return claims.exit_status(results, strict=args.strict)


def _conf_level_arg(text: str) -> float:
    """Parse ``--conf-level`` with the library's one validator (a proportion, not a percent)."""
    from sinstats.stats.intervals import check_conf_level

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; e.g. 0.95") from None
    try:
        return check_conf_level(value)
    except ParameterError:
        raise argparse.ArgumentTypeError(
            f"{text!r} must be a proportion between 0 and 1, e.g. 0.95 (not 95)"
        ) from None


def _add_verify(sub: Subparsers[argparse.ArgumentParser]) -> None:
    from sinstats.analyses import claims

    p = sub.add_parser(
        "verify",
        help="check published statements against the data (exit 0 all reproduce, 1 any "
        "differs, 2 bad claims file, 3 --strict and a claim not fully checked)",
        description="Recompute every claim in the claims file(s) from the data, compare it with "
        "the published number after rounding as published, and give the interval of the "
        "recomputed quantity; for changes, whether chance alone could explain them (the series' "
        "own scatter allowed for, the changes tested together adjusted, a change across a "
        "declared break flagged). Exit status: 0 when every claim reproduces (claims that cannot "
        "be checked are listed but do not fail), 1 when any claim differs, 2 for a bad claims "
        "file (an unknown name among them: the message suggests the nearest) or bad data, 3 "
        "with --strict when nothing differs but a claim cannot be checked, rests on an "
        "ambiguous bare year, or misdescribes (or could not compare) what its figure counts. "
        "Format: docs/claims.md.",
    )
    p.add_argument(
        "--claims",
        nargs="+",
        action="extend",
        metavar="FILE",
        default=None,
        help="claims file(s) (default: data/claims/published.yml)",
    )
    p.add_argument("--format", choices=claims.FORMATS, default="table", help="output format")
    p.add_argument(
        "--output",
        metavar="FILE",
        default=None,
        help="write to FILE (atomically; nothing is written for a bad claims file)",
    )
    p.add_argument(
        "--conf-level",
        type=_conf_level_arg,
        default=claims.DEFAULT_CONF_LEVEL,
        metavar="L",
        help="confidence level of the intervals (default 0.95)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="for CI: exit 3 (when nothing differs) if a claim cannot be checked, rests on an "
        "ambiguous bare year without 'reading', or misdescribes what its figure counts",
    )
    p.add_argument(
        "--adjust",
        choices=claims.ADJUST_METHODS,
        default=claims.DEFAULT_ADJUST,
        help="adjust the change claims' p-values for multiple tests: holm (default; family-wise "
        "error rate), bh (Benjamini-Hochberg, false discovery rate) or none",
    )
    p.add_argument("--data-dir", default=None, help="data folder (default: data/)")
    p.set_defaults(handler=_cmd_verify)


# ---------------------------------------------------------------------------------------------
# fetch (official releases, the data layer)
# ---------------------------------------------------------------------------------------------


def _cmd_fetch_list(args: argparse.Namespace) -> int:
    from sinstats.data import official, releases

    installed = {r.slug: r for r in official.installed_releases(args.data_dir)}
    print("Releases of 'Serious incident notifications' (slug, title, download URL):")
    for slug, known in releases.KNOWN_RELEASES.items():
        mark = "installed" if slug in installed else ""
        print(f"  {slug:<27} {known.label:<37} {mark}".rstrip())
        print(f"  {'':<27} {known.url or 'URL not known: use --source (see ' + known.page + ')'}")
    for slug in installed:
        if slug not in releases.KNOWN_RELEASES:
            print(f"  {slug:<27} (installed; not in the known list)")
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from sinstats.data import official, releases

    if args.list:
        return _cmd_fetch_list(args)
    if not args.release:
        raise ParameterError(
            "--release is required (e.g. --release 2026); 'sinstats fetch --list' shows the "
            "known releases"
        )

    def report(line: str) -> None:
        print(line, file=sys.stderr)

    result = releases.fetch(
        args.release,
        args.source,
        data_dir=args.data_dir,
        timeout=args.timeout,
        retries=args.retries,
        backoff=args.backoff,
        max_bytes=args.max_bytes,
        progress=False if args.no_progress else None,
        report=report,
    )
    span = f"{result.periods[0]} to {result.periods[-1]}" if result.periods else "no periods"
    print(f"fetched release {result.release} from {result.source}")
    print(
        f"  installed {result.path} ({len(result.data_files)} data file(s), {result.rows:,} "
        f"figures, {span})"
    )
    if result.replaced:
        print(f"  replaced the previous copy of release {result.release}")
    for item in result.skipped:
        print(f"  skipped {item}")
    print(f"  {official.SOURCE_FILE} records the source, retrieval time and SHA-256 of every file")
    print("  sinstats.data.load now prefers these official figures (see the 'origin' column)")
    return 0


# The download limits of ``sinstats fetch``: name, type, metavar and help (with the default).
_FETCH_LIMITS = (
    ("timeout", float, "S", "seconds to wait for the server (default {:g})"),
    ("retries", int, "N", "retries after a transient failure (default {})"),
    ("backoff", float, "S", "seconds before the first retry, doubled each time (default {:g})"),
    ("max_bytes", int, "N", "largest download accepted (default {:,})"),
)


def _add_fetch(sub: Subparsers[argparse.ArgumentParser]) -> None:
    from sinstats.data import releases

    limits = {
        "timeout": releases.DEFAULT_TIMEOUT,
        "retries": releases.DEFAULT_RETRIES,
        "backoff": releases.DEFAULT_BACKOFF,
        "max_bytes": releases.DEFAULT_MAX_BYTES,
    }
    p = sub.add_parser(
        "fetch",
        help="download an official EES release (or take a local ZIP) into data/raw/<release>/",
        description=(
            "Download the 'Download all data (ZIP)' archive of a release of 'Serious incident "
            "notifications' from explore-education-statistics, or take a ZIP saved by hand, "
            "check it, and install it into data/raw/<release>/ with a SOURCE.json. Only "
            "https:// is used. Offline: copy the ZIP from another machine and pass --source."
        ),
    )
    p.add_argument("--release", metavar="SLUG", help="release slug, e.g. 2026, 2025, 2022-23")
    p.add_argument(
        "--source",
        metavar="URL_OR_ZIP",
        default=None,
        help="https:// URL or local ZIP file (default: the release's download URL)",
    )
    p.add_argument("--data-dir", default=None, metavar="DIR", help="data folder (default: data/)")
    for name, kind, metavar, text in _FETCH_LIMITS:
        default = limits[name]
        option = "--" + name.replace("_", "-")
        p.add_argument(
            option, type=kind, default=default, metavar=metavar, help=text.format(default)
        )
    p.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    p.add_argument("--list", action="store_true", help="list the known and installed releases")
    p.set_defaults(handler=_cmd_fetch)


# ---------------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------------

# Subcommands whose parser needs its layer's module (for choices and defaults): only the one being
# run is imported; for --help, no command or a typo every one is added so that help lists them all.
_HEAVY_COMMANDS: dict[str, Callable[[Subparsers[argparse.ArgumentParser]], None]] = {
    "build": _add_build,
    "verify": _add_verify,
    "fetch": _add_fetch,
}
_LIGHT_COMMANDS = ("list", "validate", "checksums")


def _command_of(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Return the argument parser.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments about to be parsed. When they name a subcommand only that subcommand's
        parser is built (and only its module imported); otherwise every subcommand is added.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="sinstats",
        description="England's serious incident notifications, reproduced with uncertainty.",
    )
    parser.add_argument("--version", action="version", version=f"sinstats {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    args = list(argv) if argv is not None else []
    command = _command_of(args)
    if command is None and "--version" in args:
        return parser
    _add_data_commands(sub, command)
    if command in _HEAVY_COMMANDS:
        _HEAVY_COMMANDS[command](sub)
    elif command not in _LIGHT_COMMANDS:
        for add in _HEAVY_COMMANDS.values():
            add(sub)
    return parser


_SIGNALLED: list[int] = []


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: stop like Ctrl-C (workers stopped, lock released, nothing half-committed)."""
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    An interrupt (Ctrl-C, or SIGTERM, which is handled the same way) exits with
    128 + the signal's number and the word "interrupted", never a traceback, wherever it lands:
    in the command, or in the clean-up after an earlier interrupt.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return _interrupted()


def _interrupted() -> int:
    """Report a handled interrupt; return 128 + the signal's number.

    Notes
    -----
    CPython remembers a ``KeyboardInterrupt`` that left code run from a *string* (``exec`` or
    ``eval`` of source text, which ``dataclasses`` and ``collections.namedtuple`` use to make
    their classes) as "unhandled", even when a caller then catches it. A process started with
    ``python -m`` then ends by killing itself with SIGINT (its status is -2, whatever
    ``sys.exit`` was given). An interrupt that lands while a module imported lazily defines a
    dataclass did exactly that (the reliability suite's kill tests, now and then). Running
    one string of source resets the flag, because CPython clears it before each such run: the
    interrupt has been handled here.

    References
    ----------
    CPython, ``Python/pythonrun.c`` (``run_eval_code_obj``) and ``Modules/main.c``
    (``pymain_run_module``, ``Py_RunMain``); bpo-1054041 and bpo-41602 (exit by SIGINT after an
    uncaught ``KeyboardInterrupt``).
    """
    exec("pass")  # a constant string: clears CPython's unhandled-interrupt flag
    print("interrupted", file=sys.stderr)
    return 128 + (_SIGNALLED.pop() if _SIGNALLED else signal.SIGINT)


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    handler: Handler = args.handler
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # pragma: no cover - not the main thread (tests in a worker thread)
        previous = None
    try:
        return handler(args)
    except SinstatsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        if err.errno not in EXPECTED_OS_ERRORS:
            raise
        print(
            f"error: {OutputError.from_os_error(err, f'sinstats {args.command}')}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        return _interrupted()
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
