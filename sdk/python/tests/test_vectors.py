"""The shared vectors (test/fixtures/sdk-vectors.json) that the TypeScript SDK's tests check too: same bytes on the wire."""

from __future__ import annotations

import io
import json
from typing import Any, Dict

from conftest import REPO

import kubetune
from kubetune._wire import (
    RESERVED_METRIC_NAMES,
    MetricMessage,
    encode_metric_message,
    format_report_line,
    message_id,
    metrics_subject,
    sign_report,
    signed_message_id,
)

VECTORS: Dict[str, Any] = json.loads((REPO / "test/fixtures/sdk-vectors.json").read_text())


def test_reports_match_the_typescript_sdk_byte_for_byte() -> None:
    for v in VECTORS["reports"]:
        m = MetricMessage(v["trial"], v["step"], v["metrics"], v["final"])
        assert metrics_subject(v["namespace"], v["job"], v["trial"]) == v["subject"]
        assert encode_metric_message(m).decode() == v["body"]
        assert format_report_line(m) == v["line"]
        assert message_id(v["namespace"], v["trial"], v["step"], v["final"]) == v["messageId"]
        assert sign_report(v["reportKey"], v["subject"], v["body"].encode()) == v["signature"]
        assert signed_message_id(v["messageId"], v["signature"]) == v["signedMessageId"]


def test_reserved_metric_names_are_the_controllers() -> None:
    assert RESERVED_METRIC_NAMES == set(VECTORS["reservedMetricNames"])


def test_the_stdio_transport_writes_the_same_session_as_the_typescript_sdk() -> None:
    session = VECTORS["stdioSession"]
    out, err = io.StringIO(), io.StringIO()
    with kubetune.connect(env=session["env"], stdout=out, stdin=io.StringIO(), stderr=err, handle_signals=False) as r:
        for call in session["calls"]:
            if call[0] == "report":
                r.report(call[1], {k: float(v) for k, v in call[2].items()})
            else:
                r.final()
    assert out.getvalue().splitlines() == session["stdout"]
    assert err.getvalue().splitlines() == session["stderr"]
