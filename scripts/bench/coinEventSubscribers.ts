import { type ClientRequest, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One `coin` event as a subscriber received it: when (performance.now()) and the block of its market state. */
export interface CoinEventSeen {
  at: number;
  blockNumber: number | null;
}

/** Many Server-Sent Events subscribers over plain node:http (one socket each), each recording every `coin` event it
 * receives with the `market.blockNumber` it carries. */
export interface CoinEventPool {
  ready(): number;
  closed(): number;
  /** Per subscriber, the coin events in arrival order. */
  events(): CoinEventSeen[][];
  close(): void;
}

const BLOCK = /"blockNumber":\s*(\d+)/;

/** Open `count` subscribers to `url`, at most `parallel` connecting at once; resolves once every one is ready. */
export async function openCoinEventSubscribers(url: string, count: number, parallel = 100): Promise<CoinEventPool> {
  const requests: ClientRequest[] = [];
  const all: CoinEventSeen[][] = [];
  let ready = 0;
  let closed = 0;
  const u = new URL(url);
  const openOne = () =>
    new Promise<void>((resolve, reject) => {
      const seen: CoinEventSeen[] = [];
      all.push(seen);
      const req = request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`subscriber answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        let isReady = false;
        res.on('data', (chunk: string) => {
          const at = performance.now();
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            if (frame.includes('event: coin')) {
              const block = frame.match(BLOCK)?.[1];
              seen.push({ at, blockNumber: block === undefined ? null : Number(block) });
            } else if (!isReady && frame.includes('event: ready')) {
              isReady = true;
              ready += 1;
              resolve();
            }
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
    events: () => all,
    close() {
      for (const req of requests) req.destroy();
    },
  };
}
