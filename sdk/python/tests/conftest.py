"""Fixtures: a private nats-server with JetStream and the metrics stream, and readers of what it stored."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Coroutine, Dict, Iterator, List, Optional, TypeVar

import nats
import pytest
from nats.js.api import StreamConfig

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[3]
METRICS_STREAM = "KUBETUNE_METRICS"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine on a fresh event loop (the tests' own NATS client, apart from the SDK's)."""
    return asyncio.run(coro)


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NatsServer:
    """A nats-server -js the tests started (Debian's, as the test cluster uses); restartable on the same port and store."""

    def __init__(self) -> None:
        if shutil.which("nats-server") is None:
            raise RuntimeError("nats-server is not installed; install it with bash test/prereqs.sh (apt-get install -y nats-server)")
        self.port = free_port()
        self.store = tempfile.mkdtemp(prefix="kubetune-pysdk-nats-")
        self.url = f"nats://127.0.0.1:{self.port}"
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self.start()

    def start(self) -> None:
        self._proc = subprocess.Popen(
            ["nats-server", "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.store],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        log = b""
        assert self._proc.stderr is not None
        while b"Server is ready" not in log:
            line = self._proc.stderr.readline()
            if not line:
                raise RuntimeError(f"nats-server exited with {self._proc.wait()}: {log.decode()}")
            log += line

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait()


@dataclass
class Stored:
    subject: str
    data: bytes
    headers: Dict[str, str]


async def ensure_stream(url: str) -> None:
    """The metrics stream as the controller's ensureMetricsStream creates it (docs/metrics-protocol.md)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        try:
            await js.stream_info(METRICS_STREAM)
        except nats.js.errors.NotFoundError:
            await js.add_stream(StreamConfig(name=METRICS_STREAM, subjects=["kubetune.metrics.>"], max_msg_size=64 * 1024, duplicate_window=120))
    finally:
        await nc.close()


async def stored_on(url: str, subject: str) -> List[Stored]:
    """Every message the metrics stream holds on ``subject``, oldest first."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(METRICS_STREAM)
        out: List[Stored] = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                m = await js.get_msg(METRICS_STREAM, seq)
            except nats.js.errors.NotFoundError:
                continue
            if m.subject == subject:
                out.append(Stored(m.subject, m.data or b"", dict(m.headers or {})))
        return out
    finally:
        await nc.close()


async def publish_core(url: str, subject: str, *bodies: bytes) -> None:
    """Core NATS publishes, as the controller sends stop requests."""
    nc = await nats.connect(url)
    try:
        for body in bodies:
            await nc.publish(subject, body)
        await nc.flush()
    finally:
        await nc.close()


def wait_for(what: str, probe: Any, timeout: float = 20.0) -> Any:
    """Polls ``probe()`` until it returns something truthy; fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="session")
def nats_server() -> Iterator[NatsServer]:
    server = NatsServer()
    run(ensure_stream(server.url))
    yield server
    server.stop()
    shutil.rmtree(server.store, ignore_errors=True)
