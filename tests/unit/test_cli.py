"""The command line's parsers: options, types and the defaults their help shows."""

from __future__ import annotations

import argparse

import pytest

from sinstats import cli
from sinstats.data import releases


def _fetch_args(*argv: str) -> argparse.Namespace:
    return cli.build_parser(["fetch"]).parse_args(["fetch", *argv])


def test_fetch_limits_default_to_the_download_defaults() -> None:
    args = _fetch_args("--release", "2026")
    assert (args.timeout, args.retries, args.backoff, args.max_bytes) == (
        releases.DEFAULT_TIMEOUT,
        releases.DEFAULT_RETRIES,
        releases.DEFAULT_BACKOFF,
        releases.DEFAULT_MAX_BYTES,
    )


def test_fetch_limits_are_typed() -> None:
    args = _fetch_args("--timeout", "5", "--retries", "2", "--backoff", "0.5", "--max-bytes", "10")
    assert (args.timeout, args.retries, args.backoff, args.max_bytes) == (5.0, 2, 0.5, 10)
    assert isinstance(args.retries, int) and isinstance(args.timeout, float)
    with pytest.raises(SystemExit):
        _fetch_args("--retries", "two")


def test_fetch_help_shows_each_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["fetch", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for option, metavar, text in [
        (
            "--timeout",
            "S",
            f"seconds to wait for the server (default {releases.DEFAULT_TIMEOUT:g})",
        ),
        ("--retries", "N", f"transient failure (default {releases.DEFAULT_RETRIES})"),
        ("--backoff", "S", f"doubled each time (default {releases.DEFAULT_BACKOFF:g})"),
        ("--max-bytes", "N", f"largest download accepted (default {releases.DEFAULT_MAX_BYTES:,})"),
    ]:
        assert f"{option} {metavar}" in shown and text in shown
