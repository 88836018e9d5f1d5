import http, { type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request of a frames benchmark phase: a path on 127.0.0.1 and, for POSTs, the exact body bytes. */
export interface FrameRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** Judges one complete 2xx response; answers why it is wrong, or null when it is right. */
export type ResponseCheck = (response: { status: number; headers: IncomingHttpHeaders; body: Buffer }) => string | null;

/** How hard and how long: requests in flight, how many to send (the list is cycled), and a time limit after which
 * no new request starts. */
export interface DriveOptions {
  port: number;
  concurrency: number;
  count: number;
  maxSeconds: number;
  check?: ResponseCheck;
  /** Before the clock starts, open every connection with one GET of this path, so the phase measures keep-alive
   * traffic and not a burst of TCP handshakes (a burst of first requests on new connections can wait seconds behind
   * later ones while the server renders). */
  openWith?: string;
}

/** What a phase measured. Latency is per request, from sending it to the last byte of its answer. */
export interface DriveResult {
  sent: number;
  /** 2xx answers that passed the check. */
  ok: number;
  /** Answers by status; a 2xx that failed the check counts as `bad body`, a connection error by its code. */
  statuses: Map<string, number>;
  failed: number;
  firstFailure: string | null;
  latenciesMs: Float64Array;
  /** When each answer completed, ms since the phase started (same order as latenciesMs). */
  doneAtMs: Float64Array;
  bytes: number;
  seconds: number;
  timedOut: boolean;
}

const REQUEST_TIMEOUT_MS = 30_000;

function send(
  agent: http.Agent,
  port: number,
  request: FrameRequest,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(request.body.length);
    const req = http.request(
      { host: '127.0.0.1', port, path: request.path, method: request.method, agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Send `options.count` requests (cycling through `requests`) over keep-alive connections with `concurrency` in
 * flight; nothing is retried, every answer is recorded. */
export async function driveRequests(requests: readonly FrameRequest[], options: DriveOptions): Promise<DriveResult> {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: options.concurrency,
    maxFreeSockets: options.concurrency,
  });
  const count = requests.length === 0 ? 0 : options.count;
  // Grown as answers arrive: a time-limited phase passes a huge count it never reaches.
  const latencies: number[] = [];
  const doneAt: number[] = [];
  const result: DriveResult = {
    sent: 0,
    ok: 0,
    statuses: new Map(),
    failed: 0,
    firstFailure: null,
    latenciesMs: new Float64Array(),
    doneAtMs: new Float64Array(),
    bytes: 0,
    seconds: 0,
    timedOut: false,
  };
  const count1 = (key: string) => result.statuses.set(key, (result.statuses.get(key) ?? 0) + 1);
  const fail = (key: string, detail: string) => {
    result.failed++;
    result.firstFailure ??= detail;
    count1(key);
  };
  const connections = Math.min(options.concurrency, Math.max(1, count));
  if (options.openWith !== undefined && count > 0) {
    const path = options.openWith;
    await Promise.all(Array.from({ length: connections }, () => send(agent, options.port, { method: 'GET', path })));
  }
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  let next = 0;

  const worker = async (): Promise<void> => {
    while (next < count) {
      if (performance.now() > deadline) {
        result.timedOut = true;
        return;
      }
      const request = requests[next++ % requests.length] as FrameRequest;
      result.sent++;
      const t0 = performance.now();
      try {
        const res = await send(agent, options.port, request);
        const t1 = performance.now();
        latencies.push(t1 - t0);
        doneAt.push(t1 - started);
        result.bytes += res.body.length;
        if (res.status < 200 || res.status > 299) {
          fail(
            String(res.status),
            `${request.method} ${request.path.slice(0, 120)}: ${res.status} ${res.body.toString('utf8', 0, 200)}`,
          );
          continue;
        }
        const problem = options.check?.(res) ?? null;
        if (problem !== null) {
          fail('bad body', `${request.method} ${request.path.slice(0, 120)}: ${problem}`);
          continue;
        }
        result.ok++;
        count1(String(res.status));
      } catch (error) {
        const code = (error as { code?: string }).code ?? (error instanceof Error ? error.message : 'error');
        fail(code, `${request.method} ${request.path.slice(0, 120)}: ${code}`);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
  result.seconds = (performance.now() - started) / 1000;
  result.latenciesMs = Float64Array.from(latencies);
  result.doneAtMs = Float64Array.from(doneAt);
  return result;
}
