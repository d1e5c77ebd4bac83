"""The NATS transport against a real nats-server: ids, signatures, dedup of retries, stops, bounded failure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import shutil
import threading
from typing import Any, Dict, List

import nats
import pytest

import kubetune
from kubetune import NatsOptions

from conftest import METRICS_STREAM, NatsServer, ensure_stream, free_port, publish_core, run, stored_on, wait_for

KEY = "trial-report-key-for-the-test"


def env(url: str, trial: str, key: str | None = KEY) -> Dict[str, str]:
    e = {"KUBETUNE_NATS_URL": url, "KUBETUNE_NAMESPACE": "team-a", "KUBETUNE_JOB": "mnist", "KUBETUNE_TRIAL": trial}
    return {**e, "KUBETUNE_REPORT_KEY": key} if key is not None else e


def subject(trial: str) -> str:
    return f"kubetune.metrics.team-a.mnist.{trial}"


def expected_signature(trial: str, body: bytes) -> str:
    # Written out here from docs/metrics-protocol.md rather than calling the SDK's own sign_report.
    mac = hmac.new(KEY.encode(), subject(trial).encode() + b"\n" + body, hashlib.sha256).digest()
    return "v1=" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def test_reports_land_in_order_signed_with_the_trials_key_and_signed_message_ids(nats_server: NatsServer) -> None:
    with kubetune.connect(env=env(nats_server.url, "mnist-00001"), handle_signals=False) as r:
        assert r.transport == "nats"
        for step in (1, 2, 3):
            r.report(step, {"loss": 1 / step, "val_accuracy": step / 10})
        r.final()
    assert r.stats.sent == 4 and r.stats.dropped == 0
    stored = run(stored_on(nats_server.url, subject("mnist-00001")))
    assert [json.loads(s.data) for s in stored] == [
        {"trial": "mnist-00001", "step": 1, "metrics": {"loss": 1, "val_accuracy": 0.1}},
        {"trial": "mnist-00001", "step": 2, "metrics": {"loss": 0.5, "val_accuracy": 0.2}},
        {"trial": "mnist-00001", "step": 3, "metrics": {"loss": 1 / 3, "val_accuracy": 0.3}},
        {"trial": "mnist-00001", "step": 3, "metrics": {"loss": 1 / 3, "val_accuracy": 0.3}, "final": True},
    ]
    for s, plain in zip(stored, ["1", "2", "3", "3/final"]):
        signature = expected_signature("mnist-00001", s.data)
        assert s.headers["Kubetune-Signature"] == signature
        assert s.headers["Nats-Msg-Id"] == f"team-a/mnist-00001/{plain}/{signature[3:19]}"


def test_without_a_report_key_reports_go_unsigned_with_plain_ids_and_a_warning(nats_server: NatsServer) -> None:
    err = io.StringIO()
    with kubetune.connect(env=env(nats_server.url, "mnist-00002", key=None), stderr=err, handle_signals=False) as r:
        r.report(1, {"loss": 1})
        r.report(1, {"loss": 99})  # the same id: JetStream drops it as a duplicate
        r.final()
    stored = run(stored_on(nats_server.url, subject("mnist-00002")))
    assert [s.headers["Nats-Msg-Id"] for s in stored] == ["team-a/mnist-00002/1", "team-a/mnist-00002/1/final"]
    assert all("Kubetune-Signature" not in s.headers for s in stored)
    assert json.loads(stored[0].data)["metrics"] == {"loss": 1}
    assert "KUBETUNE_REPORT_KEY is not set: reports go unsigned" in err.getvalue()


def test_a_publish_whose_ack_is_lost_is_retried_and_stored_once(nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    original = nats.js.client.JetStreamContext.publish
    calls: List[str] = []

    async def ack_lost_once(self: Any, subj: str, payload: bytes = b"", **kwargs: Any) -> Any:
        ack = await original(self, subj, payload, **kwargs)
        calls.append(kwargs["headers"]["Nats-Msg-Id"])
        if len(calls) == 1:
            raise nats.errors.TimeoutError  # stored, but the trial never hears so
        return ack

    monkeypatch.setattr(nats.js.client.JetStreamContext, "publish", ack_lost_once)
    with kubetune.connect(env=env(nats_server.url, "mnist-00003"), handle_signals=False, nats=NatsOptions(retry_delay=0.01)) as r:
        r.report(1, {"loss": 0.5})
    assert len(calls) == 2 and calls[0] == calls[1]
    assert r.stats.sent == 1 and r.stats.dropped == 0
    assert len(run(stored_on(nats_server.url, subject("mnist-00003")))) == 1


def test_a_stop_request_on_the_control_subject_fires_on_stop_and_should_stop(nats_server: NatsServer) -> None:
    err = io.StringIO()
    with kubetune.connect(env=env(nats_server.url, "mnist-00004"), stderr=err, handle_signals=False) as r:
        reasons: List[str] = []
        r.on_stop(reasons.append)
        control = "kubetune.control.team-a.mnist."
        run(publish_core(nats_server.url, control + "mnist-00004", b"not json"))
        run(publish_core(nats_server.url, control + "mnist-00005", json.dumps({"action": "stop", "reason": "someone else"}).encode()))
        run(publish_core(nats_server.url, control + "mnist-00004", json.dumps({"action": "stop", "reason": "asha: rung 2"}).encode()))
        wait_for("on_stop", lambda: reasons)
        assert reasons == ["asha: rung 2"]
        assert r.should_stop() and r.stop_reason == "asha: rung 2"
    assert "kubetune: ignoring bad control message: not JSON" in err.getvalue()


def test_a_publish_during_a_server_restart_is_retried_and_stored_once() -> None:
    server = NatsServer()
    try:
        run(ensure_stream(server.url))
        with kubetune.connect(env=env(server.url, "mnist-00006"), handle_signals=False, nats=NatsOptions(publish_attempts=40, publish_timeout=0.5, retry_delay=0.1)) as r:
            r.report(1, {"loss": 1})
            server.stop()
            during = threading.Thread(target=r.report, args=(2, {"loss": 0.5}))
            during.start()
            server.start()
            during.join()
        assert r.stats.sent == 2 and r.stats.dropped == 0
        assert [json.loads(s.data)["step"] for s in run(stored_on(server.url, subject("mnist-00006")))] == [1, 2]
    finally:
        server.stop()
        shutil.rmtree(server.store, ignore_errors=True)


def test_when_jetstream_cannot_store_reports_publishing_gives_up_after_the_configured_attempts() -> None:
    server = NatsServer()  # no metrics stream
    try:
        err = io.StringIO()
        with kubetune.connect(env=env(server.url, "mnist-00007"), stderr=err, handle_signals=False, nats=NatsOptions(publish_attempts=2, publish_timeout=0.3, retry_delay=0.01)) as r:
            r.report(1, {"loss": 1})
        assert r.stats.sent == 0 and r.stats.dropped == 1
        assert "dropping report of step 1 after 2 publish attempts" in err.getvalue()
    finally:
        server.stop()
        shutil.rmtree(server.store, ignore_errors=True)


def test_close_returns_when_the_server_is_gone() -> None:
    server = NatsServer()
    run(ensure_stream(server.url))
    r = kubetune.connect(env=env(server.url, "mnist-00008"), handle_signals=False, nats=NatsOptions(publish_timeout=0.5))
    r.report(1, {"loss": 1})
    server.stop()
    shutil.rmtree(server.store, ignore_errors=True)
    closing = threading.Thread(target=r.close)
    closing.start()
    # Generous: close() waits at most about one publish timeout; this only catches a hang.
    closing.join(timeout=30)
    assert not closing.is_alive()


def test_an_unreachable_server_fails_connect_with_a_message_naming_the_url() -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    with pytest.raises(ConnectionError, match=f"cannot connect to NATS at {url} after 2 attempts"):
        kubetune.connect(env=env(url, "t"), handle_signals=False, nats=NatsOptions(connect_attempts=2))


def test_the_stream_is_the_one_the_controller_creates(nats_server: NatsServer) -> None:
    async def config() -> Any:
        nc = await nats.connect(nats_server.url)
        try:
            return (await nc.jetstream().stream_info(METRICS_STREAM)).config
        finally:
            await nc.close()

    c = run(config())
    assert c.subjects == ["kubetune.metrics.>"] and c.max_msg_size == 65536 and c.duplicate_window == 120
