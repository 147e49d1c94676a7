"""Warm kernels: a pre-imported template process forks a fresh kernel for each run.

A cold kernel is a new interpreter (``python -m ipykernel_launcher``) that spends about 0.5 s
starting and 1.3 s importing pandas, SciPy, statsmodels, matplotlib and sinstats before its
first cell. Here each build worker starts one **template**: a fresh interpreter, with the
kernels' environment, that imports those modules once and then waits. For each run the
worker's kernel manager (:class:`WarmKernelManager`) asks the template to ``fork``; the child
becomes that run's kernel (ipykernel's own entry point, the same command line a cold kernel
gets) and the template goes back to waiting. Every run still gets a process of its own, used
once; only the imports are shared (copy-on-write).

Safety rules, each checked rather than assumed:

- **Fork before any thread or socket exists.** The template forks only while it has one thread
  and no socket (``/proc/self/task``, ``/proc/self/fd``); it imports no module that starts a
  thread at import (numerical libraries get one thread each through the kernels' environment,
  as cold kernels do), and it never creates the kernel's ZeroMQ context: the child does, after
  the fork. Otherwise the template says why and the build uses cold kernels.
- **Same kernel as a cold start.** Same interpreter, environment (the template refuses a run
  whose environment differs in a variable read at interpreter start), working directory,
  ``sys.argv`` and ``sys.path`` as ``python -m ipykernel_launcher``; matplotlib's inline backend
  is not imported in the template (it must be loaded inside the kernel to register its display
  hook). The determinism test compares warm and cold builds byte for byte.
- **Nothing survives the build.** The template dies with its worker (``PR_SET_PDEATHSIG``, and
  it exits when its request pipe closes); each kernel dies with the template (the same, and
  ipykernel's parent poller through ``JPY_PARENT_PID``).
- **A crash or hang fails one run.** A kernel that dies or hangs is that run's kernel only; the
  template is untouched and forks the next run's kernel.

Both paths' managers (:func:`cold_kernel_manager_class`, :func:`warm_kernel_manager_class`) use
a client that is ready at the idle status of its ``kernel_info`` request
(:func:`ready_client_class`, without jupyter_client's 0.2 s IOPub flush) and check a killed
kernel every :data:`EXIT_POLL_S` seconds.

Cold kernels are used where ``fork`` is unavailable (not Linux), when ``SINSTATS_COLD_KERNELS``
is set to anything but ``""`` or ``"0"`` (``sinstats build --cold-kernels`` sets it), and for any
run the template cannot serve. See docs/pipeline.md, "Warm kernels".
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

COLD_ENV = "SINSTATS_COLD_KERNELS"
"""Environment variable: set (to anything but ``""`` or ``"0"``) to start every kernel cold."""

PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy.special",
    "scipy.stats",
    "scipy.optimize",
    "statsmodels.genmod.generalized_linear_model",
    "matplotlib",
    "matplotlib.pyplot",
    "IPython",
    "zmq",
    "jupyter_client.session",
    "ipykernel.connect",
    "ipykernel.control",
    "ipykernel.heartbeat",
    "ipykernel.iostream",
    "ipykernel.ipkernel",
    "ipykernel.parentpoller",
    "ipykernel.shellchannel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "sinstats.data",
    "sinstats.stats",
    "sinstats.stats.uncertainty",
    "sinstats.present.outputs",
    "sinstats.present.params",
    "sinstats.present.plots",
    "sinstats.analyses",
)
"""Modules the template imports once (what the notebooks' first cells import, and the modules of
ipykernel that its application imports, all but the application itself: some 0.06 s of every
kernel's start, debugpy's 0.05 s the most of it); :func:`_preload` imports exactly these (a unit
test compares the two)."""

NOT_PRELOADED: tuple[str, ...] = ("matplotlib_inline.backend_inline", "ipykernel.kernelapp")
"""Modules that must be first imported inside the kernel: the inline backend registers its
display hook on the running IPython when it is imported, and ipykernel's application reads
``JPY_PARENT_PID`` (its parent, to watch) when it is imported. (ZeroMQ is imported, but no context
or socket is made before the fork: :func:`fork_blockers` checks for sockets and threads.)"""

STARTUP_VARIABLES: tuple[str, ...] = (
    "PYTHONHASHSEED",
    "PYTHONPATH",
    "MPLBACKEND",
    "MATPLOTLIBRC",
    "MPLCONFIGDIR",
    "HOME",
    "TZ",
    "LANG",
    "LC_ALL",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "SINSTATS_ROOT",
    "PYDEVD_DISABLE_FILE_VALIDATION",
)
"""Variables read when the interpreter or a preloaded module starts (the hash seed, matplotlib's
settings and cache, BLAS threads, the project root of :mod:`sinstats.paths`, debugpy's check of
frozen modules, which warns on standard error at import unless disabled): a run's kernel
environment must give them the template's values, or the template refuses the run (it starts
cold)."""

_PR_SET_PDEATHSIG = 1
_LAUNCHER = "ipykernel_launcher"


def fork_available() -> bool:
    """Return True where warm kernels can work: Linux with ``os.fork`` and ``/proc``.

    Returns
    -------
    bool
        False on other systems (macOS forks, but forking after importing system frameworks
        is unsafe there) and where ``/proc/self/task`` cannot be read.
    """
    return (
        hasattr(os, "fork")
        and sys.platform.startswith("linux")
        and Path("/proc/self/task").is_dir()
    )


def cold_requested(environ: dict[str, str] | None = None) -> bool:
    """Return True if the environment asks for cold kernels (:data:`COLD_ENV`).

    Parameters
    ----------
    environ : dict, optional
        The environment to read (default ``os.environ``).

    Returns
    -------
    bool
        True when :data:`COLD_ENV` is set to anything but ``""`` or ``"0"``.
    """
    value = (os.environ if environ is None else environ).get(COLD_ENV, "")
    return value.strip() not in ("", "0")


def kernel_mode() -> str:
    """Return ``"warm"`` or ``"cold"``: how this build starts its kernels.

    Returns
    -------
    str
        ``"cold"`` when :func:`cold_requested` or fork is unavailable, else ``"warm"``.
    """
    return "cold" if cold_requested() or not fork_available() else "warm"


def _tie_to_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit if it already has."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def fork_blockers() -> list[str]:
    """Return why this process may not fork now: extra threads or open sockets (else empty).

    Returns
    -------
    list of str
        One sentence per problem found in ``/proc/self``.
    """
    problems = []
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        problems.append(f"{threads} threads (a forked child would hold only one)")
    sockets = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                sockets += 1
    if sockets:
        problems.append(f"{sockets} open socket(s) (a forked child would share them)")
    early = [m for m in NOT_PRELOADED if m in sys.modules]
    if early:
        problems.append("imported too early: " + ", ".join(early))
    return problems


# --------------------------------------------------------------------------------------------
# The template process (runs ``serve``)
# --------------------------------------------------------------------------------------------


def serve(parent_pid: int, reply_fd: int) -> None:
    """Run the template: import :data:`PRELOAD`, then fork one kernel per request on stdin.

    Parameters
    ----------
    parent_pid : int
        The worker that started the template (the template dies with it).
    reply_fd : int
        File descriptor for the replies (one JSON line each: ``ready``, then a ``pid`` or an
        ``error`` per request).

    Notes
    -----
    Requests are JSON lines ``{"cmd": [...], "env": {...}, "cwd": "..."}``; the template exits
    when its stdin closes. Children are reaped automatically (``SIGCHLD`` ignored here; each
    child restores the default before becoming a kernel).
    """
    _tie_to_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = os.fdopen(reply_fd, "w", buffering=1, encoding="utf-8")
    # "-c" put the working folder ("") first on sys.path: a module there would shadow the ones
    # preloaded. A kernel's path does not have it either (see _become_kernel).
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    t0 = time.perf_counter()
    failed = _preload()
    problems = fork_blockers()
    ready = {
        "ready": not problems,
        "import_s": round(time.perf_counter() - t0, 3),
        "problems": problems,
        "not_imported": failed,
        "pid": os.getpid(),
    }
    with replies:
        replies.write(json.dumps(ready) + "\n")
        if problems:
            return
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        for line in sys.stdin:
            try:
                request = json.loads(line)
                reply = _fork_kernel(request, replies)
            except Exception as err:  # a bad request is answered, never fatal
                reply = {"error": f"{type(err).__name__}: {err}"}
            replies.write(json.dumps(reply) + "\n")


def _preload() -> list[str]:
    """Import :data:`PRELOAD` (statically: the package has no dynamic imports); return failures.

    A module that cannot be imported here will fail in the kernel too, where the notebook's own
    import reports it; the template carries on without it.
    """
    failed = []
    try:
        import numpy  # noqa: F401
        import pandas  # noqa: F401
        import scipy.optimize
        import scipy.special
        import scipy.stats  # noqa: F401
        import statsmodels.genmod.generalized_linear_model  # noqa: F401
    except Exception as err:
        failed.append(f"numerical libraries: {type(err).__name__}: {err}")
    try:
        import matplotlib
        import matplotlib.pyplot  # noqa: F401
    except Exception as err:
        failed.append(f"matplotlib: {type(err).__name__}: {err}")
    try:
        import IPython  # noqa: F401
        import zmq  # noqa: F401
    except Exception as err:
        failed.append(f"IPython, zmq: {type(err).__name__}: {err}")
    try:
        # What ipykernel.kernelapp imports (it is not imported here: see NOT_PRELOADED), and
        # the debugger the kernel loads as it starts. None starts a thread or opens a socket at
        # import (fork_blockers checks).
        import ipykernel.connect
        import ipykernel.control
        import ipykernel.debugger
        import ipykernel.heartbeat
        import ipykernel.iostream
        import ipykernel.ipkernel
        import ipykernel.parentpoller
        import ipykernel.shellchannel
        import ipykernel.zmqshell  # noqa: F401
        import jupyter_client.session  # noqa: F401
    except Exception as err:
        failed.append(f"ipykernel: {type(err).__name__}: {err}")
    try:
        import sinstats.analyses
        import sinstats.data
        import sinstats.present.outputs
        import sinstats.present.params
        import sinstats.present.plots
        import sinstats.stats
        import sinstats.stats.uncertainty  # noqa: F401
    except Exception as err:
        failed.append(f"sinstats: {type(err).__name__}: {err}")
    return failed


def _fork_kernel(request: dict[str, Any], replies: IO[str]) -> dict[str, Any]:
    """Fork one kernel for ``request``; return ``{"pid": ...}`` or ``{"error": ...}``."""
    cmd = [str(c) for c in request["cmd"]]
    env = {str(k): str(v) for k, v in request["env"].items()}
    cwd = str(request["cwd"])
    if len(cmd) < 3 or cmd[1:3] != ["-m", _LAUNCHER]:
        return {"error": f"not an ipykernel command line: {cmd[:3]}"}
    if os.path.realpath(cmd[0]) != os.path.realpath(sys.executable):
        return {"error": f"kernel interpreter {cmd[0]} is not the template's {sys.executable}"}
    differ = [v for v in STARTUP_VARIABLES if env.get(v) != os.environ.get(v)]
    if differ:
        return {"error": "environment differs from the template's in " + ", ".join(differ)}
    root = _project_root_in(cwd, env)
    if root is not None:
        return {"error": root}
    problems = fork_blockers()
    if problems:
        return {"error": "cannot fork safely: " + "; ".join(problems)}
    template_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child becomes a kernel and never returns here
        _become_kernel(cmd, env, cwd, template_pid, replies)
    return {"pid": pid}


def _project_root_in(cwd: str, env: dict[str, str]) -> str | None:
    """Return why the preloaded ``sinstats.paths.PROJ_ROOT`` would be wrong in ``cwd`` (or None).

    The project root is found once, at import, from ``SINSTATS_ROOT``, the package's own folder
    or (for an installed package outside a project) the working folder; a kernel started cold in
    ``cwd`` must find the same root as the template did.
    """
    paths = sys.modules.get("sinstats.paths")
    if paths is None:
        return None
    here = os.getcwd()
    saved = os.environ.get("SINSTATS_ROOT")
    try:
        os.chdir(cwd)
        if env.get("SINSTATS_ROOT"):
            os.environ["SINSTATS_ROOT"] = env["SINSTATS_ROOT"]
        else:
            os.environ.pop("SINSTATS_ROOT", None)
        root = paths._find_root()
    finally:
        os.chdir(here)
        if saved is None:
            os.environ.pop("SINSTATS_ROOT", None)
        else:
            os.environ["SINSTATS_ROOT"] = saved
    if root != paths.PROJ_ROOT:
        return f"the project root in {cwd} would be {root}, not the template's {paths.PROJ_ROOT}"
    return None


def _become_kernel(  # pragma: no cover - runs in the forked child
    cmd: list[str], env: dict[str, str], cwd: str, template_pid: int, replies: IO[str]
) -> None:
    """In the forked child: become ``python -m ipykernel_launcher <args>`` started in ``cwd``."""
    code = 1
    try:
        os.setpgid(0, 0)  # its own process group, as a cold kernel's own session
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _tie_to_parent(template_pid)
        with contextlib.suppress(OSError):
            replies.close()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        os.environ["JPY_PARENT_PID"] = str(template_pid)
        # NumPy's legacy global generator was seeded once, in the template, and every child
        # would draw the same numbers from it; a new interpreter seeds it from the OS, as this
        # does (Python's random reseeds itself after a fork).
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()
        import ipykernel_launcher

        sys.argv = [str(ipykernel_launcher.__file__), *cmd[3:]]
        # python -m puts the working folder first on sys.path; ipykernel_launcher removes it
        # (IPython adds "" back), so the kernel's path is the template's without its first
        # entry, which "-c" made "".
        if sys.path and sys.path[0] == "":
            del sys.path[0]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as err:
        code = err.code if isinstance(err.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


# --------------------------------------------------------------------------------------------
# The worker's side: the template handle, a Popen-like kernel, the provisioner and manager
# --------------------------------------------------------------------------------------------


class Template:
    """A started template process, owned by one worker (see :func:`template`)."""

    def __init__(self, env: dict[str, str] | None = None, cwd: str | None = None) -> None:
        self._lock = threading.Lock()
        self.status: dict[str, Any] | None = None
        self.process: subprocess.Popen[str] | None = None
        self._replies: IO[str] | None = None
        # The template imports matplotlib, which reads a matplotlibrc in its working folder,
        # and Python looks for modules there: it starts in a folder of the build's own (cwd,
        # the runs' temporary folder) or an empty one, never the user's.
        self._own_folder = None if cwd else tempfile.mkdtemp(prefix="sinstats-template-")
        read_fd, write_fd = os.pipe()
        code = f"from sinstats.build.kernels import serve; serve({os.getpid()}, {write_fd})"
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                env={**os.environ, **(env or {})},
                cwd=cwd or self._own_folder,
                pass_fds=(write_fd,),
                start_new_session=True,
                text=True,
            )
        except OSError as err:  # no process to be had (EAGAIN under a limit on processes, ...)
            os.close(read_fd)
            self.status = {"ready": False, "problems": [f"the template did not start: {err}"]}
            return
        finally:
            os.close(write_fd)
        self._replies = os.fdopen(read_fd, "r", encoding="utf-8")

    def ready(self) -> dict[str, Any]:
        """Wait for the template's imports; return its ``ready`` message."""
        with self._lock:
            if self.status is None:
                assert self._replies is not None
                line = self._replies.readline()
                try:
                    self.status = json.loads(line) if line else {}
                except ValueError:
                    self.status = {}
                if not line:
                    self.status = {"ready": False, "problems": ["the template exited"]}
            return self.status

    def usable(self) -> bool:
        """Return True if the template is running and ready to fork."""
        return (
            bool(self.ready().get("ready"))
            and self.process is not None
            and self.process.poll() is None
        )

    def alive(self) -> bool:
        """Return True if the template's process is running (ready or still importing)."""
        return self.process is not None and self.process.poll() is None

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str) -> int:
        """Ask for a kernel; return its pid, or raise ``RuntimeError`` saying why not."""
        if not self.usable():
            raise RuntimeError("; ".join(self.ready().get("problems") or ["template not running"]))
        with self._lock:
            assert self.process is not None and self.process.stdin is not None
            assert self._replies is not None
            try:
                self.process.stdin.write(json.dumps({"cmd": cmd, "env": env, "cwd": cwd}) + "\n")
                self.process.stdin.flush()
                line = self._replies.readline()
            except OSError as err:
                raise RuntimeError(f"the template stopped: {err}") from err
        reply = json.loads(line) if line else {"error": "the template exited"}
        if "pid" not in reply:
            raise RuntimeError(str(reply.get("error")))
        return int(reply["pid"])

    def close(self) -> None:
        """Stop the template (its kernels die with it)."""
        if self.process is not None:
            with contextlib.suppress(Exception):
                if self.process.stdin is not None:
                    self.process.stdin.close()
            with contextlib.suppress(Exception):
                self.process.kill()
                self.process.wait(timeout=5)
        if self._replies is not None:
            with contextlib.suppress(Exception):
                self._replies.close()
        if self._own_folder is not None:
            shutil.rmtree(self._own_folder, ignore_errors=True)


_TEMPLATE: dict[str, Template] = {}
_FALLBACKS: list[str] = []


def template(env: dict[str, str] | None = None, cwd: str | None = None) -> Template:
    """Return this process's template, starting it (with ``env`` added) the first time.

    Parameters
    ----------
    env : dict, optional
        The kernels' environment (:func:`sinstats.build.execute.kernel_environment`).
    cwd : str, optional
        The folder a new template starts in: the build's temporary folder of runs (an empty
        folder of its own by default), never the user's working folder.

    Returns
    -------
    Template
        The template (possibly not usable: see :meth:`Template.usable`; one that could not
        start says why, and its runs start cold).
    """
    current = _TEMPLATE.get("template")
    if current is None or not current.alive():
        if current is not None:
            current.close()
        current = Template(env, cwd)
        _TEMPLATE["template"] = current
    return current


def close_template() -> None:
    """Stop this process's template, if any."""
    current = _TEMPLATE.pop("template", None)
    if current is not None:
        current.close()


def fallbacks() -> list[str]:
    """Return why runs in this process started cold although warm kernels were asked for."""
    return list(_FALLBACKS)


class ForkedKernel:
    """The part of ``subprocess.Popen`` jupyter_client uses, for a kernel forked elsewhere.

    The kernel is the template's child, so it cannot be waited for here: it is alive while
    ``kill(pid, 0)`` succeeds (the template reaps its children at once, so no zombie lingers).
    Its exit status is not known here; a finished kernel reports ``returncode`` -1.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        """Return None while the kernel runs, else -1."""
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1
            except PermissionError:  # pragma: no cover - the pid was reused by another user
                self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait until the kernel has exited."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.02)
        return -1

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel."""
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)


def _provisioner_class() -> type[Any]:
    import asyncio  # here, not at the top: a build with nothing to run needs no event loop

    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        """Launch the kernel by asking the template to fork; cold if it cannot."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            env = dict(kwargs.get("env") or os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            try:
                loop = asyncio.get_running_loop()
                runs = os.path.dirname(os.path.normpath(cwd))
                pid = await loop.run_in_executor(None, template(cwd=runs).fork, cmd, env, cwd)
            except RuntimeError as err:
                _FALLBACKS.append(str(err))
                return await super().launch_kernel(cmd, **kwargs)
            self.process = ForkedKernel(pid)  # type: ignore[assignment]
            self.pid = pid
            self.pgid = pid
            self.cwd = cwd
            return self.connection_info

    return ForkProvisioner


READY_WAIT_S = 0.05
"""Seconds to wait after a ``kernel_info`` reply for the request's idle status on IOPub before
asking again (IOPub may not be connected yet: ZeroMQ reconnects every 0.1 s until the kernel's
sockets are bound, and a status sent before the subscription is lost)."""

RECONNECT_MS = 10
"""ZeroMQ's reconnect interval on the client's sockets, in milliseconds (its default: 100).

The client connects as soon as the kernel is launched, before the kernel has bound its ports;
each refused connection is retried after this interval, so with ZeroMQ's default a kernel
ready to answer waited up to a tenth of a second (0.07 s on average, ``make bench``) for the
client to come back. A refused local connection costs microseconds, and a kernel binds its
ports within about a tenth of a second of starting, so a few retries are all this adds."""

EXIT_POLL_S = 0.005
"""Seconds between checks that a killed kernel has exited (:func:`cold_kernel_manager_class`)."""


async def _message_for(
    channel: Any, msg_ids: set[str], wait: float, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any] | None:
    """Read ``channel`` until a wanted message answering one of ``msg_ids``; None after ``wait``.

    Messages answering other requests, or none, are read and dropped (nbclient ignores them too:
    it takes only the messages whose parent is the cell it is running).
    """
    from queue import Empty

    end = time.monotonic() + wait
    while (left := end - time.monotonic()) > 0:
        try:
            msg: dict[str, Any] = await channel.get_msg(timeout=left)
        except Empty:
            return None
        if msg.get("parent_header", {}).get("msg_id") in msg_ids and wanted(msg):
            return msg
    return None


def _is_reply(msg: dict[str, Any]) -> bool:
    return msg.get("msg_type") == "kernel_info_reply"


def _is_idle(msg: dict[str, Any]) -> bool:
    return msg.get("msg_type") == "status" and msg["content"].get("execution_state") == "idle"


@functools.cache
def ready_client_class() -> type[Any]:
    """Return the kernel client class that is ready as soon as its kernel has answered.

    Returns
    -------
    type
        A subclass of ``jupyter_client.asynchronous.AsyncKernelClient`` (built on first use)
        whose ``wait_for_ready`` returns once the kernel has answered a ``kernel_info`` request
        on the shell channel and reported it idle on IOPub.

    Notes
    -----
    jupyter_client's own ``wait_for_ready`` does the same, then reads IOPub until it has been
    silent for 0.2 s, to drop start-up messages: 0.2 s of every run's kernel start spent
    waiting by construction, and another 0.2 s whenever IOPub was not connected in time for
    the first request (``make bench`` put a kernel's start at about 0.5 s). Here the idle
    status ends the wait: it is the last message the kernel sends for a request, so once it
    is read every message before it has been read; a message with no parent that comes later
    is dropped by nbclient anyway (it reads only the messages answering the cell it runs).
    The request is sent again after 1 s without a reply (as upstream) or
    :data:`READY_WAIT_S` without the idle status (upstream: 0.2 s), and a reply or idle
    status answering any request sent so far counts. A kernel that dies or stays silent past
    ``timeout`` raises ``RuntimeError`` with upstream's words; the reply is handled as
    upstream's (``_handle_kernel_info_reply``). A client not made by a kernel manager uses
    upstream's wait unchanged (it also waits for heartbeats). The client's own ZeroMQ context
    retries a refused connection every :data:`RECONNECT_MS` milliseconds rather than every
    0.1 s, so that it is connected as soon as the kernel has bound its ports.
    """
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.manager import KernelManager

    class ReadyClient(AsyncKernelClient):
        """``AsyncKernelClient`` ready when a ``kernel_info`` request is idle on IOPub."""

        def _context_default(self) -> Any:
            # Upstream's default (a context of its own, closed with the client) whose sockets
            # retry a refused connection every RECONNECT_MS.
            import zmq
            import zmq.asyncio

            self._created_context = True
            context = zmq.asyncio.Context()
            context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)
            return context

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            if not isinstance(self.parent, KernelManager):
                await super().wait_for_ready(timeout=timeout)
                return
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            sent: set[str] = set()
            while True:
                sent.add(self.kernel_info())
                reply = await _message_for(self.shell_channel, sent, 1.0, _is_reply)
                if reply is not None:
                    idle = await _message_for(self.iopub_channel, sent, READY_WAIT_S, _is_idle)
                    if idle is not None:
                        self._handle_kernel_info_reply(reply)
                        return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    return ReadyClient


def cold_kernel_manager_class() -> type[Any]:
    """Return the kernel manager class of cold kernels: upstream's, quicker to start and stop.

    Returns
    -------
    type
        A subclass of ``jupyter_client.AsyncKernelManager`` (built on first use, so that
        importing this module does not import jupyter_client) that starts each kernel as a new
        interpreter (as upstream), talks to it with the client of :func:`ready_client_class`,
        and, once it has killed a kernel, checks every :data:`EXIT_POLL_S` seconds whether it
        has gone (upstream: every 0.1 s, so each run waited 0.1 s after its last cell for a
        kernel that had exited within milliseconds).
    """
    return _manager_classes()[0]


def warm_kernel_manager_class() -> type[Any]:
    """Return the kernel manager class that starts kernels from the template.

    Returns
    -------
    type
        The class of :func:`cold_kernel_manager_class` with the template's provisioner (built
        on first use, so that importing this module does not import jupyter_client), for
        papermill's ``kernel_manager_class``.
    """
    return _manager_classes()[1]


def connection_file_for(cwd: str) -> str:
    """Return where the kernel of a run in ``cwd`` writes its connection file.

    Beside the folder, not in it (the run's folder becomes its reports; the file holds the
    kernel's key): ``<cwd>.kernel.json``. A build's runs are in its temporary folder, so a file a
    killed kernel left there goes when the next build clears that folder.
    """
    folder = os.path.normpath(cwd)
    return f"{folder}.kernel.json"


def manager_for_run(manager: type[Any], run_folder: str) -> type[Any]:
    """Return ``manager`` with its kernel's connection file beside ``run_folder``.

    ``manager`` is a class of this module; the result, a subclass whose
    ``run_connection_file`` is :func:`connection_file_for` the folder, is papermill's
    ``kernel_manager_class`` for one run.
    """
    return type(
        manager.__name__,
        (manager,),
        {"run_connection_file": connection_file_for(run_folder), "__module__": __name__},
    )


@functools.cache
def _manager_classes() -> tuple[type[Any], type[Any]]:
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    provisioner = _provisioner_class()

    class ColdKernelManager(AsyncKernelManager):
        """``AsyncKernelManager`` with the ready client and a finer wait for a killed kernel.

        Its connection file (which holds the kernel's key) is written beside the run's folder
        (:func:`connection_file_for`), not in the system's temporary folder, so that a build
        killed before its kernels could remove theirs leaves them in its own temporary folder,
        which the next build clears.
        """

        @default("client_factory")
        def _client_factory_default(self) -> type[Any]:
            return ready_client_class()

        #: The connection file of a run's kernel (:func:`manager_for_run`); None: upstream's.
        run_connection_file: str | None = None

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if self.run_connection_file and not self.connection_file:
                self.connection_file = self.run_connection_file
            return await super()._async_pre_start_kernel(**kw)

        async def _async_wait(self, pollinterval: float = EXIT_POLL_S) -> None:
            await super()._async_wait(pollinterval=min(pollinterval, EXIT_POLL_S))

    class WarmKernelManager(ColdKernelManager):
        """The cold kernels' manager, whose kernels are forked by the worker's template."""

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = provisioner(
                    kernel_id=self.kernel_id,
                    kernel_spec=self.kernel_spec,
                    parent=self,
                )
            return await super()._async_pre_start_kernel(**kw)

    return ColdKernelManager, WarmKernelManager
