"""The ``sinstats`` command line.

Subcommands: ``list`` (datasets, years, notebooks), ``validate FILE...`` and ``checksums``; later
modules add ``build``, ``verify`` and ``fetch``. Expected errors print one sentence and exit 2,
without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from sinstats import __version__, data, paths
from sinstats.errors import SinstatsError

Handler = Callable[[argparse.Namespace], int]


def _cmd_list(args: argparse.Namespace) -> int:
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


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        errors = data.validate_file(path, args.schema)
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


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="sinstats",
        description="England's serious incident notifications, reproduced with uncertainty.",
    )
    parser.add_argument("--version", action="version", version=f"sinstats {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list datasets with their years, and the notebooks")
    p.add_argument("--data-dir", default=None, help="data folder (default: data/)")
    p.set_defaults(handler=_cmd_list)

    p = sub.add_parser("validate", help="check data files against their schema (exit 2 if not)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--schema",
        choices=data.list_datasets(),
        default=None,
        help="dataset schema to use (default: from the file name)",
    )
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("checksums", help="check (or --update) data/SHA256SUMS")
    p.add_argument("--update", action="store_true", help="rewrite SHA256SUMS after a review")
    p.add_argument("--data-dir", default=None, help="data folder (default: data/)")
    p.set_defaults(handler=_cmd_checksums)

    for register in _EXTENSIONS:
        register(sub)
    return parser


# Other modules (build, verify, fetch) add their subcommands here.
_EXTENSIONS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []


# Subcommand -> module that adds it. Only the module of the command being run is imported:
# sinstats.claims imports jsonschema and SciPy (about 2.5 s), which `sinstats build` never needs,
# and a no-change rebuild should take about a second.
_EXTENSION_MODULES: dict[str, str] = {
    "build": "sinstats.pipeline",
    "verify": "sinstats.claims",
    "fetch": "sinstats.fetch",
}


def _load_extensions(argv: Sequence[str] | None = None) -> None:
    import importlib

    args = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args if not a.startswith("-")), None)
    if command in _EXTENSION_MODULES:
        modules = [_EXTENSION_MODULES[command]]
    elif command in ("list", "validate", "checksums") or (command is None and "--version" in args):
        modules = []
    else:  # no command, --help or a typo: register everything so that help lists it all
        modules = list(dict.fromkeys(_EXTENSION_MODULES.values()))
    for module in modules:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name == module:
                continue
            raise
        register = getattr(mod, "register_cli", None)
        if register is not None and register not in _EXTENSIONS:
            _EXTENSIONS.append(register)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    _load_extensions(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except SinstatsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
