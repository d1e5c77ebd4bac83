// The SyntheticBus over NATS: one connection per server URL, opened on first use and shared by every
// synthetic container of this kubelet (thousands of trials must not mean thousands of connections).
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { SyntheticBus } from './synthetic.ts';

const PUBLISH_TIMEOUT_MS = 5000;
const PUBLISH_ATTEMPTS = 5;

/** A SyntheticBus on shared NATS connections; `close()` drains them (kubelet shutdown). */
export function natsBus(): SyntheticBus & { close(): Promise<void> } {
  const conns = new Map<string, Promise<{ nc: NatsConnection; js: JetStreamClient }>>();
  const conn = (url: string): Promise<{ nc: NatsConnection; js: JetStreamClient }> => {
    let c = conns.get(url);
    if (c === undefined) {
      c = connect({ servers: url.split(','), name: 'kubetune-process-kubelet-synthetic', maxReconnectAttempts: -1, reconnectTimeWait: 500 })
        .then((nc) => ({ nc, js: jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS }) }));
      // A failed connect is retried by the next container rather than cached.
      c.catch(() => conns.delete(url));
      conns.set(url, c);
    }
    return c;
  };
  return {
    async publish(url, subject, body, msgID) {
      const { js } = await conn(url);
      for (let attempt = 1; ; attempt++) {
        try {
          await js.publish(subject, body, { msgID, timeout: PUBLISH_TIMEOUT_MS });
          return;
        } catch (err) {
          if (attempt >= PUBLISH_ATTEMPTS) throw err;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    },
    async subscribe(url, subject, onMessage) {
      const { nc } = await conn(url);
      const sub = nc.subscribe(subject, { callback: (err, msg) => { if (!err) onMessage(msg.data); } });
      return () => sub.unsubscribe();
    },
    async close() {
      const all = [...conns.values()];
      conns.clear();
      await Promise.all(all.map((c) => c.then(({ nc }) => nc.drain()).catch(() => undefined)));
    },
  };
}
