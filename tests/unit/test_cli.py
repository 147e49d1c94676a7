"""The command line: parsers, option types and defaults, and how expected failures end (exit 2)."""

from __future__ import annotations

import argparse
import errno
import os
import signal
from pathlib import Path

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


def test_validate_names_a_folder_and_a_fifo_for_what_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 18, defect 8: both were "file not found" (and reading a FIFO would hang).
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    assert cli.main(["validate", str(folder), str(fifo), str(tmp_path / "none.csv")]) == 2
    err = capsys.readouterr().err
    assert f"invalid: {folder}: is a folder, not a data file" in err
    assert f"invalid: {fifo}: is not a regular file" in err
    assert f"invalid: {tmp_path / 'none.csv'}: file not found" in err
    assert "3 of 3 file(s) invalid" in err


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        (errno.ENOSPC, "no space left on the device"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "permission denied"),
        (errno.EISDIR, "is a folder where a file is needed"),
    ],
)
def test_expected_os_errors_exit_2_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], code: int, advice: str
) -> None:
    def fail(args: object) -> int:
        raise OSError(code, os.strerror(code), "/some/where")

    monkeypatch.setattr(cli, "_cmd_checksums", fail)
    assert cli.main(["checksums", "--update"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: /some/where: cannot finish sinstats checksums: ")
    assert advice in err


def test_other_os_errors_are_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(args: object) -> int:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(cli, "_cmd_checksums", fail)
    with pytest.raises(OSError, match="Input/output error"):
        cli.main(["checksums", "--update"])


def test_sigterm_stops_like_ctrl_c_with_its_own_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = signal.getsignal(signal.SIGTERM)

    def terminated(args: object) -> int:
        assert signal.getsignal(signal.SIGTERM) is cli._interrupt  # installed while running
        cli._interrupt(signal.SIGTERM, None)  # what the handler does when SIGTERM arrives
        return 0  # pragma: no cover - never reached

    monkeypatch.setattr(cli, "_cmd_checksums", terminated)
    assert cli.main(["checksums"]) == 128 + signal.SIGTERM
    assert capsys.readouterr().err == "interrupted\n"
    assert signal.getsignal(signal.SIGTERM) == before, "the previous handler is restored"


def test_an_interrupt_in_the_clean_up_exits_128_plus_the_signal_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A second interrupt that lands while the first is being handled (in main's own except
    # clause) must still give the interrupt's exit status, not Python's -SIGINT and a traceback.
    def handler(args: object) -> int:
        raise KeyboardInterrupt

    real_print = print
    calls = {"n": 0}

    def print_interrupted_twice(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # the first "interrupted" line: the second signal arrives here
            cli._SIGNALLED.append(signal.SIGTERM)
            raise KeyboardInterrupt
        real_print(*args, **kwargs)  # type: ignore[call-overload]

    parser = cli.build_parser(["checksums"])
    monkeypatch.setattr(cli, "build_parser", lambda args: parser)
    parser.set_defaults(handler=handler)
    monkeypatch.setattr("builtins.print", print_interrupted_twice)
    assert cli.main(["checksums"]) == 128 + signal.SIGTERM
    assert calls["n"] == 2
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize("sig", [None, signal.SIGTERM])
def test_an_interrupt_raised_in_code_run_from_a_string_still_exits_128_plus_the_signal(
    tmp_path: Path, sig: signal.Signals | None
) -> None:
    # A KeyboardInterrupt that leaves code run from source text (exec, as dataclasses do when a
    # lazily imported module defines one) is remembered by CPython as unhandled even though
    # main() catches it; started with ``python -m``, the process then killed itself with SIGINT
    # (-2) after printing "interrupted". That is the reliability suite's flaky kill tests.
    import subprocess
    import sys

    (tmp_path / "interrupted_in_exec.py").write_text(
        "import signal, sys\n"
        "from sinstats import cli\n"
        f"SIGNAL = {int(sig) if sig else 0}  # what cli._interrupt records for SIGTERM\n"
        "def command(argv):\n"
        "    if SIGNAL:\n"
        "        cli._SIGNALLED.append(SIGNAL)\n"
        "    exec('raise KeyboardInterrupt')\n"
        "cli._main = command\n"
        "sys.exit(cli.main())\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "interrupted_in_exec"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (128 + (sig or signal.SIGINT), "interrupted\n")
