// Recognising API server error responses from @kubernetes/client-node.
import { ApiException } from '@kubernetes/client-node';

/** True when `err` is an API server response with HTTP status `code` (e.g. 404, 409). */
export function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/** A one-line description of an API error for logs: the status code and the server's message. */
export function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const message = typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : String(err.body);
    return `HTTP ${err.code}: ${message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
