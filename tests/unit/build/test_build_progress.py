"""sinstats.build.progress: a live bar on a terminal, a plain "k/N" counter elsewhere."""

from __future__ import annotations

import io

from sinstats.build.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_counter_when_not_a_terminal() -> None:
    log = io.StringIO()
    progress = Progress(12, log)
    assert not progress.live
    for name in ("2025-26/01", "2025-26/02"):
        progress.finished(f"{name}  ok")
    progress.close()
    # The place is padded to the width of the total: "[ 1/12]".
    assert log.getvalue().splitlines() == ["[ 1/12] 2025-26/01  ok", "[ 2/12] 2025-26/02  ok"]


def test_live_bar_on_a_terminal() -> None:
    term = _Terminal()
    progress = Progress(2, term)
    assert progress.live
    progress.finished("2025-26/01  ok")
    text = term.getvalue()
    assert "2025-26/01  ok" in text and "[1/2]" not in text
    assert "building 1/2 runs" in text and "elapsed" in text
    progress.finished("2025-26/02  ok")
    progress.close()
    assert "building 2/2 runs" in term.getvalue()
    assert not progress.live


def test_no_bar_when_turned_off_or_nothing_to_run() -> None:
    assert not Progress(3, _Terminal(), bar=False).live
    assert not Progress(0, _Terminal()).live

    class Closed(io.StringIO):
        def isatty(self) -> bool:
            raise ValueError("closed")

    assert not Progress(3, Closed()).live
