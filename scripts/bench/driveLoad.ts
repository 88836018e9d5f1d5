import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Delivery } from './generateWorkload.ts';

/** Where and how hard to send: a 127.0.0.1 port, a fixed number of requests in flight, and a time limit after which
 * no new delivery starts. */
export interface LoadOptions {
  port: number;
  path: string;
  concurrency: number;
  maxSeconds: number;
}

/** What a load run measured. Latency is per delivery, from the first attempt to its final acknowledgement. */
export interface LoadResult {
  /** Deliveries started, per phase (each phase is a prefix of its list). */
  dispatched: number[];
  acked: number;
  failed: number;
  retries: number;
  /** Acknowledgements whose JSON said `duplicate: true`. */
  duplicateAcks: number;
  statuses: Map<string, number>;
  latenciesMs: Float64Array;
  /** When each acknowledgement arrived, in ms since the run started (same order as latenciesMs). */
  ackedAtMs: Float64Array;
  seconds: number;
  timedOut: boolean;
  firstFailure: string | null;
}

const MAX_ATTEMPTS = 4;
const REQUEST_TIMEOUT_MS = 30_000;

function post(agent: http.Agent, options: LoadOptions, delivery: Delivery): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: options.port, path: options.path, method: 'POST', agent, headers: delivery.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(delivery.body);
  });
}

/** POST the phases in order (each fully acknowledged before the next starts) over keep-alive connections with
 * `concurrency` requests in flight. 5xx answers and connection errors are retried (as Neynar retries) up to 3 times;
 * anything else that is not 2xx counts as failed. */
export async function driveLoad(phases: Delivery[][], options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: options.concurrency,
    maxFreeSockets: options.concurrency,
  });
  const total = phases.reduce((n, p) => n + p.length, 0);
  const latencies = new Float64Array(total);
  const ackedAt = new Float64Array(total);
  const statuses = new Map<string, number>();
  const result: LoadResult = {
    dispatched: phases.map(() => 0),
    acked: 0,
    failed: 0,
    retries: 0,
    duplicateAcks: 0,
    statuses,
    latenciesMs: latencies,
    ackedAtMs: ackedAt,
    seconds: 0,
    timedOut: false,
    firstFailure: null,
  };
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  let measured = 0;

  const send = async (delivery: Delivery): Promise<void> => {
    const t0 = performance.now();
    for (let attempt = 1; ; attempt++) {
      let outcome: string;
      let retry: boolean;
      let body = '';
      try {
        const res = await post(agent, options, delivery);
        outcome = String(res.status);
        body = res.body;
        retry = res.status >= 500;
      } catch (error) {
        outcome = (error as { code?: string }).code ?? (error instanceof Error ? error.message : 'error');
        retry = true;
      }
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      if (outcome.startsWith('2')) {
        const t1 = performance.now();
        ackedAt[measured] = t1 - started;
        latencies[measured++] = t1 - t0;
        result.acked++;
        if (body.includes('"duplicate":true')) result.duplicateAcks++;
        return;
      }
      if (!retry || attempt >= MAX_ATTEMPTS || performance.now() > deadline) {
        result.failed++;
        result.firstFailure ??= `${outcome} ${body.slice(0, 200)}`.trim();
        return;
      }
      result.retries++;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  };

  try {
    for (const [phase, deliveries] of phases.entries()) {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < deliveries.length) {
          if (performance.now() > deadline) {
            result.timedOut = true;
            return;
          }
          const delivery = deliveries[next++];
          result.dispatched[phase] = next;
          if (delivery) await send(delivery);
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency, deliveries.length) }, worker));
      if (result.timedOut) break;
    }
  } finally {
    agent.destroy();
  }
  result.seconds = (performance.now() - started) / 1000;
  result.latenciesMs = latencies.subarray(0, measured);
  result.ackedAtMs = ackedAt.subarray(0, measured);
  return result;
}
