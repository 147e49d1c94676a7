"""The kernel client and managers of sinstats.build.kernels, against scripted channels.

``ready_client_class()``'s ``wait_for_ready`` is driven here by fake shell and IOPub channels
holding the messages a kernel would send (no kernel is started; the real kernels are in
tests/e2e/test_kernel_client.py): it returns at the idle status of a ``kernel_info`` request,
leaves what comes after unread, asks again when IOPub is silent, and fails as upstream does.
"""

from __future__ import annotations

import asyncio
import inspect
from queue import Empty
from typing import Any

import pytest

from sinstats.build import kernels


def _msg(msg_type: str, parent: str | None, **content: Any) -> dict[str, Any]:
    return {
        "msg_type": msg_type,
        "parent_header": {"msg_id": parent} if parent else {},
        "content": content,
    }


def _reply(parent: str) -> dict[str, Any]:
    return _msg("kernel_info_reply", parent, status="ok", protocol_version="5.3")


def _status(parent: str | None, state: str) -> dict[str, Any]:
    return _msg("status", parent, execution_state=state)


class _Channel:
    """Messages delivered in order; ``Empty`` (at once) when none is due yet."""

    def __init__(self) -> None:
        self.queue: list[dict[str, Any]] = []
        self.timeouts: list[float] = []

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        self.timeouts.append(float("inf") if timeout is None else timeout)
        if not self.queue:
            raise Empty
        return self.queue.pop(0)


def _client(
    script: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]], alive: bool = True
) -> Any:
    """A ready client whose n-th kernel_info request (from 1) makes ``script[n]`` arrive."""
    from jupyter_client.manager import KernelManager

    base = kernels.ready_client_class()
    shell, iopub = _Channel(), _Channel()

    class Scripted(base):  # type: ignore[misc, valid-type]
        sent: list[str] = []
        handled: list[dict[str, Any]] = []

        @property
        def shell_channel(self) -> _Channel:
            return shell

        @property
        def iopub_channel(self) -> _Channel:
            return iopub

        def kernel_info(self) -> str:
            self.sent.append(f"k{len(self.sent) + 1}")
            on_shell, on_iopub = script.get(len(self.sent), ([], []))
            shell.queue.extend(on_shell)
            iopub.queue.extend(on_iopub)
            return self.sent[-1]

        async def _async_is_alive(self) -> bool:
            return alive

        def _handle_kernel_info_reply(self, msg: dict[str, Any]) -> None:
            self.handled.append(msg)

    return Scripted(parent=KernelManager())


def test_ready_at_the_idle_status_of_its_request_and_nothing_after_is_read() -> None:
    later = _msg("stream", None, name="stdout", text="after")
    client = _client(
        {
            1: (
                [_reply("k1")],
                [_status(None, "starting"), _status("k1", "busy"), _status("k1", "idle"), later],
            )
        }
    )
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.sent == ["k1"]
    assert client.handled == [_reply("k1")]
    assert client.iopub_channel.queue == [later]  # no flush after the idle status
    assert max(client.iopub_channel.timeouts) <= kernels.READY_WAIT_S


def test_silent_iopub_means_ask_again_and_any_request_sent_counts() -> None:
    # The first request's statuses were lost (IOPub not yet subscribed); the second request's
    # reply comes after a stale reply to another request; the idle of k1's retry counts too.
    client = _client(
        {
            1: ([_reply("k1")], []),
            2: ([_reply("other"), _reply("k2")], [_status("k2", "busy"), _status("k2", "idle")]),
        }
    )
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.sent == ["k1", "k2"]
    assert client.handled == [_reply("k2")]
    early = _client({1: ([], []), 2: ([_reply("k1")], [_status("k1", "idle")])})
    asyncio.run(early.wait_for_ready(timeout=5))
    assert early.sent == ["k1", "k2"]
    assert early.handled == [_reply("k1")]


def test_a_reply_to_another_request_or_of_another_type_is_not_taken() -> None:
    client = _client({1: ([_reply("nope"), _msg("execute_reply", "k1")], [_status("k1", "idle")])})
    with pytest.raises(RuntimeError, match="didn't respond in 0 seconds"):
        asyncio.run(client.wait_for_ready(timeout=0))
    assert client.handled == []


def test_a_dead_kernel_or_a_silent_one_fails_with_upstreams_words() -> None:
    with pytest.raises(RuntimeError, match="Kernel died before replying to kernel_info"):
        asyncio.run(_client({}, alive=False).wait_for_ready(timeout=5))
    silent = _client({})
    with pytest.raises(RuntimeError, match="Kernel didn't respond in 0 seconds"):
        asyncio.run(silent.wait_for_ready(timeout=0))
    assert silent.sent == ["k1"]
    assert silent.shell_channel.timeouts[0] == pytest.approx(1.0, abs=0.05)


def test_a_client_without_a_kernel_manager_waits_as_upstream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jupyter_client.asynchronous.client import AsyncKernelClient

    calls: list[float | None] = []

    async def upstream(self: Any, timeout: float | None = None) -> None:
        calls.append(timeout)

    monkeypatch.setattr(AsyncKernelClient, "wait_for_ready", upstream)
    asyncio.run(kernels.ready_client_class()().wait_for_ready(timeout=7))
    assert calls == [7]


def test_both_managers_make_ready_clients_and_wait_finely_for_a_killed_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    cold, warm = kernels.cold_kernel_manager_class(), kernels.warm_kernel_manager_class()
    assert issubclass(warm, cold) and issubclass(cold, AsyncKernelManager)
    assert kernels.cold_kernel_manager_class() is cold  # built once
    for cls in (cold, warm):
        assert cls().client_factory is kernels.ready_client_class()
    # Upstream kills a kernel, then awaits self._async_wait() (polling every 0.1 s by default):
    # the override must keep that name to be used at all.
    assert "self._async_wait()" in inspect.getsource(KernelManager._async_kill_kernel)
    alive = iter([True, True, False])
    slept: list[float] = []

    async def is_alive(self: Any) -> bool:
        return next(alive)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(cold, "_async_is_alive", is_alive)
    monkeypatch.setattr(asyncio, "sleep", sleep)
    asyncio.run(cold()._async_wait())
    assert slept == [kernels.EXIT_POLL_S, kernels.EXIT_POLL_S]
