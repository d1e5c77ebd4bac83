import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A headless Chromium page driven over the DevTools protocol. */
export interface Browser {
  /** Evaluates `expression` in the page and returns its (JSON) value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Polls `expression` until it is truthy, returning that value; fails after `timeoutMs` with `what`. */
  waitFor<T>(what: string, expression: string, timeoutMs?: number): Promise<T>;
  /** Saves a PNG of the page's full height at `path`. */
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts headless Chromium (Debian's, from test/prereqs.sh) on `url`, no network besides what the page loads. */
export async function openBrowser(url: string, size = { width: 1100, height: 1400 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "kubetune-chromium-"));
  const proc: ChildProcess = spawn("chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", `--window-size=${size.width},${size.height}`, `--user-data-dir=${profile}`, "--remote-debugging-port=0", url,
  ], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let err = "";
    proc.on("error", (e) => reject(new Error(`${e.message} (install Debian's chromium: bash test/prereqs.sh)`)));
    proc.on("exit", (code) => reject(new Error(`chromium exited (${code}): ${err}`)));
    proc.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) resolve(m[1] as string);
    });
  });
  const port = new URL(endpoint).port;
  let target: { webSocketDebuggerUrl: string } | undefined;
  for (let i = 0; i < 50 && !target; i++) {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
    target = list.find((t) => t.type === "page");
    if (!target) await new Promise((r) => setTimeout(r, 100));
  }
  if (!target) throw new Error("chromium opened no page");
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("cannot connect to chromium's DevTools"));
  });
  let id = 0;
  const waiting = new Map<number, (msg: { result?: unknown; error?: { message: string } }) => void>();
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg);
  };
  const send = (method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const n = ++id;
      waiting.set(n, (msg) => {
        waiting.delete(n);
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve((msg.result ?? {}) as Record<string, unknown>);
      });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = (await send("Runtime.evaluate", { expression, returnByValue: true })) as { result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } };
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  };
  return {
    evaluate,
    waitFor: async <T>(what: string, expression: string, timeoutMs = 60_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      let last = "";
      for (;;) {
        // While the page navigates, its document may not be there yet: that counts as "not yet".
        const v = await evaluate<T>(expression).catch((e: Error) => {
          last = e.message;
          return undefined;
        });
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting in the page for ${what} (${expression})${last ? `; last error: ${last}` : ""}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    screenshot: async (path) => {
      const { height } = await evaluate<{ height: number }>("({ height: document.documentElement.scrollHeight })");
      await send("Emulation.setDeviceMetricsOverride", { width: size.width, height: Math.min(height, 6000), deviceScaleFactor: 1, mobile: false });
      const shot = (await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true })) as { data: string };
      writeFileSync(path, Buffer.from(shot.data, "base64"));
    },
    close: async () => {
      ws.close();
      const exited = new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once("exit", r)));
      // Its own process group: the signal reaches Chromium's helper processes too, which otherwise
      // keep writing to the profile after the browser exits (ENOTEMPTY while it is removed).
      try {
        if (proc.pid !== undefined) process.kill(-proc.pid, "SIGTERM");
      } catch {
        proc.kill("SIGTERM");
      }
      await exited;
      await rm(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}
