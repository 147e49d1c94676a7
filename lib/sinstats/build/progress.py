"""The build's progress display: a live bar on a terminal, a plain "k/N" counter elsewhere.

On a terminal, :class:`Progress` shows a tqdm bar (runs done of the total, elapsed time and an
estimate of the time left), redrawn every second while kernels run, with one line per finished
run printed above it. When the output is not a terminal (a log file, CI), each finished run's
line starts with its place, ``[3/25]``, so a log says how far the build got.
"""

from __future__ import annotations

import threading
from typing import IO, Any


class Progress:
    """Report finished runs as a build goes.

    Parameters
    ----------
    total : int
        How many runs will execute.
    stream : file
        Where the lines (and the bar) go.
    bar : bool
        Show the live bar when ``stream`` is a terminal (``--no-progress`` turns it off; the
        ``k/N`` counter stays).
    """

    def __init__(self, total: int, stream: IO[str], *, bar: bool = True) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self._bar: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if bar and _is_terminal(stream) and total > 0:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                unit="run",
                desc="building",
                file=stream,
                leave=False,
                dynamic_ncols=True,
                bar_format="{desc} {n_fmt}/{total_fmt} runs |{bar}| {elapsed} elapsed, "
                "{remaining} left",
            )
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    @property
    def live(self) -> bool:
        """Whether the live bar is shown."""
        return self._bar is not None

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            self._bar.refresh()

    def finished(self, line: str) -> None:
        """Count one finished run and print its line (above the bar, or after ``[k/N]``)."""
        self.done += 1
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
            self._bar.update(1)
            self._bar.refresh()
        else:
            width = len(str(self.total))
            print(f"[{self.done:>{width}}/{self.total}] {line}", file=self.stream, flush=True)

    def close(self) -> None:
        """Stop redrawing and remove the bar."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False
