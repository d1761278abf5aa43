import { vi } from 'vitest';

/** One request a page sent, as a stubbed `fetch` saw it. */
export interface Sent {
  url: string;
  method: string;
  body: Record<string, unknown>;
}

/**
 * Stub `fetch` for pages that only read what they are given: every request is recorded (URL,
 * method, JSON body) and answered with `answer`'s JSON, with the status `status` gives (200 by
 * default). Returns the list the requests are recorded in, for the test to assert on.
 */
export function stubApi(answer: (s: Sent) => unknown, status: (s: Sent) => number = () => 200): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const s: Sent = { url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : {} };
      sent.push(s);
      return new Response(JSON.stringify(answer(s)), { status: status(s), headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return sent;
}
