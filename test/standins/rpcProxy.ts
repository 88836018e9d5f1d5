/** A stand-in for a hosted JSON-RPC provider in front of anvil, for tests only: it forwards JSON-RPC over HTTP and
 * can answer the way providers refuse work.
 *
 * - Range limits: an `eth_getLogs` over more than `maxLogRange` blocks, or whose answer holds more than `maxLogResults`
 *   logs, is a JSON-RPC error `-32005` with Infura's wording ("query returned more than 10000 results") or, for the
 *   range, the public Base node's ("block range too large"), in a 200 answer as providers send them.
 * - Scripted failures: the next N requests answer HTTP 429 with a `Retry-After` (delay-seconds) or HTTP 503, with a
 *   JSON-RPC error body.
 * - Batch requests (a JSON array) are answered element by element, as providers do; a scripted failure refuses the
 *   whole HTTP request.
 * - Everything is recorded (method, status) so a test can see what the client asked and how often.
 *
 * What it cannot prove: the exact limits and wording of any given provider today (they differ and change; the client
 * classifies by code and several wordings), WebSocket transports, and
 * answers that are slow rather than refused, or providers' caps on batch sizes. */
import { createServer } from 'node:http';
import { listenOnLoopback } from '../../src/support/listenOnLoopback.ts';

export interface RpcProxy {
  url: string;
  /** Refuse eth_getLogs over more blocks than this (default: no limit). */
  maxLogRange: number | null;
  /** Refuse eth_getLogs answers with more logs than this (default: no limit). */
  maxLogResults: number | null;
  /** The next `count` requests answer `status` (429 with Retry-After `retryAfterSeconds`, or 5xx). */
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  requests: { method: string; status: number; refused?: 'range' | 'results' }[];
  close(): Promise<void>;
}

type JsonRpcRequest = { id?: unknown; method?: string; params?: unknown[] };

export async function startRpcProxy(upstream: string): Promise<RpcProxy> {
  const failures: { status: number; retryAfterSeconds?: number }[] = [];
  const proxy: Omit<RpcProxy, 'url' | 'close'> = {
    maxLogRange: null,
    maxLogResults: null,
    failNext(count, status, retryAfterSeconds) {
      for (let i = 0; i < count; i += 1) {
        failures.push(retryAfterSeconds === undefined ? { status } : { status, retryAfterSeconds });
      }
    },
    requests: [],
  };
  /** One JSON-RPC request's answer: refused here, or forwarded to anvil. */
  const answerOne = async (request: JsonRpcRequest): Promise<unknown> => {
    const method = request.method ?? '?';
    const refuse = (refused: 'range' | 'results', message: string) => {
      proxy.requests.push({ method, status: 200, refused });
      return { jsonrpc: '2.0', id: request.id ?? null, error: { code: -32005, message } };
    };
    if (method === 'eth_getLogs' && proxy.maxLogRange !== null) {
      const filter = (request.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      const span = Number(BigInt(filter.toBlock ?? '0x0') - BigInt(filter.fromBlock ?? '0x0')) + 1;
      if (span > proxy.maxLogRange) return refuse('range', 'block range too large');
    }
    const upstreamRes = await fetch(upstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const parsed = (await upstreamRes.json()) as { result?: unknown };
    if (
      method === 'eth_getLogs' &&
      proxy.maxLogResults !== null &&
      Array.isArray(parsed.result) &&
      parsed.result.length > proxy.maxLogResults
    ) {
      return refuse('results', 'query returned more than 10000 results');
    }
    proxy.requests.push({ method, status: upstreamRes.status });
    return parsed;
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: JsonRpcRequest | JsonRpcRequest[];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonRpcRequest | JsonRpcRequest[];
    } catch {
      res.writeHead(400).end();
      return;
    }
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    };
    // A scripted failure refuses the whole HTTP request (a batch included), as a provider's rate limit does.
    const failure = failures.shift();
    if (failure !== undefined) {
      const first = Array.isArray(body) ? body[0] : body;
      proxy.requests.push({ method: first?.method ?? '?', status: failure.status });
      const message = failure.status === 429 ? 'Too Many Requests: rate limit exceeded' : 'upstream unavailable';
      answer(
        failure.status,
        { jsonrpc: '2.0', id: first?.id ?? null, error: { code: failure.status === 429 ? 429 : -32603, message } },
        failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) },
      );
      return;
    }
    answer(200, Array.isArray(body) ? await Promise.all(body.map(answerOne)) : await answerOne(body));
  });
  const listening = await listenOnLoopback(server);
  return Object.assign(proxy, { url: listening.url, close: listening.close });
}
