import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricMessage } from "../api/metrics.ts";
import { createLogger } from "../telemetry/log.ts";
import { MALFORMED_METRIC, runCollector, type CollectorIo } from "./collector.ts";
import { createLineReader } from "./line-format.ts";
import { lineSplitter } from "./lines.ts";

/** A file that grows by one scripted piece per sleep; `stop` resolves with the last `stopEarly` pieces written at once. */
function fakeTrial(pieces: (string | null)[], { stopEarly = 0 } = {}) {
  let content: Buffer | null = null;
  const published: MetricMessage[] = [];
  const logs: string[] = [];
  let resolveStop: () => void = () => {};
  const stop = new Promise<void>((r) => (resolveStop = r));
  let i = 0;
  const io: CollectorIo = {
    async read(position) {
      return content === null ? { ok: false, reason: "absent", detail: "no such file" } : { ok: true, bytes: content.subarray(position, position + 7) };
    },
    async publish(m) {
      published.push(m);
      return true;
    },
    async sleep() {
      const append = (piece: string | null | undefined) => {
        if (piece !== undefined && piece !== null) content = Buffer.concat([content ?? Buffer.alloc(0), Buffer.from(piece)]);
      };
      append(pieces[i++]);
      if (i >= pieces.length - stopEarly) {
        // The trial's last output lands just before the stop: only the drain can see it.
        while (i < pieces.length) append(pieces[i++]);
        resolveStop();
      }
    },
  };
  const log = createLogger("info", (l) => logs.push(l));
  return { io, stop, published, logs, log };
}

test("follows the file as it grows, then drains it to the end and sends a final report with the malformed count", async () => {
  // The file appears on the second poll; the last piece (no newline) is written just before the stop.
  const f = fakeTrial([null, "epoch=1 loss=0.9\nhello wörld\nep", "och=2 loss=0.8\nEpoch 3: loss=0.7\n", "epoch=3 loss=0.6\nepoch=4 loss=0.5"], { stopEarly: 1 });
  const s = await runCollector({ trial: "t-1", reader: createLineReader({ format: "keyvalue" }, "t-1"), pollMs: 1, stop: f.stop, log: f.log }, f.io);
  assert.deepEqual(
    f.published.map((m) => [m.step, m.metrics, m.final ?? false]),
    [
      [1, { loss: 0.9 }, false],
      [2, { loss: 0.8 }, false],
      [3, { loss: 0.6 }, false],
      [4, { loss: 0.5 }, false],
      [4, { loss: 0.5, [MALFORMED_METRIC]: 1 }, true],
    ],
  );
  assert.deepEqual(s, { lines: 6, reports: 4, malformed: 1, dropped: 0 });
  assert.ok(f.logs.some((l) => l.includes("malformed metrics line ignored") && l.includes("Epoch 3")), f.logs.join("\n"));
});

test("a restarted collector re-reads the file from its start and publishes the same reports (ids repeat, JetStream drops them)", async () => {
  const text = '@@kubetune {"trial":"t-1","step":1,"metrics":{"loss":1}}\n@@kubetune {"trial":"t-1","step":2,"metrics":{"loss":0.5}}\n';
  const runs = [];
  for (let k = 0; k < 2; k++) {
    const f = fakeTrial([text, ""]);
    await runCollector({ trial: "t-1", reader: createLineReader({ format: "json" }, "t-1"), pollMs: 1, stop: f.stop, log: f.log }, f.io);
    runs.push(f.published);
  }
  assert.equal(runs[0]?.length, 3);
  assert.deepEqual(runs[0], runs[1]);
});

test("a trial that never wrote its file still gets a final report, with no objective", async () => {
  const f = fakeTrial([null, null]);
  await runCollector({ trial: "t-1", reader: createLineReader({ format: "keyvalue" }, "t-1"), pollMs: 1, stop: f.stop, log: f.log }, f.io);
  assert.deepEqual(f.published, [{ trial: "t-1", step: 0, metrics: { [MALFORMED_METRIC]: 0 }, final: true }]);
});

test("the splitter keeps multi-byte characters whole and bounds a line that never ends", () => {
  const s = lineSplitter(8);
  const bytes = Buffer.from("ä=1\n");
  assert.deepEqual([...s.push(bytes.subarray(0, 1)), ...s.push(bytes.subarray(1))], ["ä=1"]);
  assert.deepEqual(s.push(Buffer.from("0123456789abcdef")), ["012345678"]);
  assert.deepEqual(s.push(Buffer.from("still the long line\nnext")), []);
  assert.deepEqual(s.end(), ["next"]);
});
