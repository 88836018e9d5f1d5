import { type ClientRequest, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** Many Server-Sent Events subscribers over plain node:http (one socket each), recording when each one receives the
 * coin event that carries a numbered marker (`"poolId":"bench-<n>"`). */
export interface SubscriberPool {
  /** Subscribers that have received `ready`. */
  ready(): number;
  /** Subscribers whose stream has ended or failed. */
  closed(): number;
  /** Receive times (performance.now()) of marker n, one per subscriber that saw it. */
  received(marker: number): number[];
  close(): void;
}

const MARKER = /"poolId":"bench-(\d+)"/g;

/** Open `count` subscribers to `url`, at most `parallel` connecting at once; resolves once every one is ready. */
export async function openSubscribers(url: string, count: number, parallel = 100): Promise<SubscriberPool> {
  const requests: ClientRequest[] = [];
  const seen = new Map<number, number[]>();
  let ready = 0;
  let closed = 0;
  const u = new URL(url);
  const openOne = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`subscriber answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let isReady = false;
        let tail = '';
        res.on('data', (chunk: string) => {
          const at = performance.now();
          const text = tail + chunk;
          // Keep the end of the chunk: a marker may be split across two chunks.
          tail = text.slice(-64);
          for (const match of text.matchAll(MARKER)) {
            if (match.index !== undefined && match.index + match[0].length <= text.length - chunk.length) continue;
            const n = Number(match[1]);
            const list = seen.get(n) ?? [];
            list.push(at);
            seen.set(n, list);
          }
          if (!isReady && text.includes('event: ready')) {
            isReady = true;
            ready += 1;
            resolve();
          }
        });
        res.on('close', () => {
          closed += 1;
        });
      });
      req.on('error', reject);
      req.end();
      requests.push(req);
    });
  let next = 0;
  const workers = Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) {
      next += 1;
      await openOne();
    }
  });
  await Promise.all(workers);
  return {
    ready: () => ready,
    closed: () => closed,
    received: (marker) => seen.get(marker) ?? [],
    close() {
      for (const req of requests) req.destroy();
    },
  };
}
