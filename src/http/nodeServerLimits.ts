import type { Server, ServerOptions } from 'node:http';

/** How long a client may take and how many it may be, on the public Node host. Node's defaults suit a private
 * service (a whole request may take 300 s, headers are checked every 30 s, connections are unlimited): one client
 * trickling bytes on many sockets could hold the process's memory and file descriptors. */
export interface NodeServerLimits {
  /** Time to receive the request headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included (webhook bodies are at most 256 KiB). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above; it bounds how late they fire. */
  checkIntervalMs: number;
  /** Open connections at once; more are closed as they arrive. */
  maxConnections: number;
  /** Request headers accepted per request. */
  maxHeadersCount: number;
}

/** Limits for a public server: every legitimate request here is small and answered in well under a second. */
export const PUBLIC_NODE_SERVER_LIMITS: NodeServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxConnections: 2_048,
  maxHeadersCount: 64,
};

/** The `node:http` options that carry `limits` (pass as @hono/node-server's `serverOptions`). */
export function nodeServerOptions(limits: NodeServerLimits = PUBLIC_NODE_SERVER_LIMITS): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

/** Apply the limits that are properties of a created server (connection cap, header count). */
export function capNodeServer(
  server: Pick<Server, 'maxConnections' | 'maxHeadersCount'>,
  limits = PUBLIC_NODE_SERVER_LIMITS,
) {
  server.maxConnections = limits.maxConnections;
  server.maxHeadersCount = limits.maxHeadersCount;
}
