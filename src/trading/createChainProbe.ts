import { BaseError, type PublicClient } from 'viem';
import { rpcOrigin } from './rpcOrigin.ts';

/** What a probe of the chain RPC found: the node's chain id and latest block, or why it could not be reached. The
 * error names the RPC by its origin only (rpcOrigin), never its path or query, which may carry an API key. */
export type ChainProbeResult =
  | { reachable: true; chainId: number; blockNumber: number }
  | { reachable: false; error: string };

/** The chain part of GET /healthz. */
export type ChainHealth =
  | { configured: false }
  | { configured: true; reachable: true; chainId: number; blockNumber: number; wrongChain?: true }
  | { configured: true; reachable: false };

export interface ChainProbeOptions {
  client: Pick<PublicClient, 'getBlockNumber' | 'getChainId'>;
  rpcUrl: string;
  /** Longest wait for the node's answer before it counts as unreachable. */
  timeoutMs: number;
  /** How long an answer (either kind) is reused; 0 asks every time. Concurrent probes always share one request. */
  cacheSeconds: number;
  now?: () => number;
}

/** Build a bounded-time probe of the chain RPC: `eth_chainId` and `eth_blockNumber` (viem's block-number cache
 * bypassed) within `timeoutMs`, the answer cached for `cacheSeconds` so /healthz stays cheap however often it is
 * polled, a down RPC included. Never throws. */
export function createChainProbe(options: ChainProbeOptions): () => Promise<ChainProbeResult> {
  const now = options.now ?? Date.now;
  const origin = rpcOrigin(options.rpcUrl);
  let cached: { at: number; result: Promise<ChainProbeResult> } | null = null;

  const probe = async (): Promise<ChainProbeResult> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
    });
    try {
      const [chainId, blockNumber] = await Promise.race([
        Promise.all([options.client.getChainId(), options.client.getBlockNumber({ cacheTime: 0 })]),
        timeout,
      ]);
      return { reachable: true, chainId, blockNumber: Number(blockNumber) };
    } catch (error) {
      return {
        reachable: false,
        error: `chain RPC ${origin} unreachable: ${describeRpcFailure(error, options.rpcUrl)}`,
      };
    } finally {
      clearTimeout(timer);
    }
  };

  return () => {
    if (cached !== null && now() - cached.at < options.cacheSeconds * 1000) return cached.result;
    const result = probe();
    cached = { at: now(), result };
    return result;
  };
}

/** The /healthz view of a probe result (the error stays in the logs and job errors, not on a public route);
 * `wrongChain` when the node serves another chain than CHAIN_ID (e.g. a Base Sepolia RPC with CHAIN_ID 8453): every
 * buy, price and confirmation would then read the wrong chain. */
export function chainHealthOf(result: ChainProbeResult, expectedChainId: number): ChainHealth {
  if (!result.reachable) return { configured: true, reachable: false };
  const health = {
    configured: true,
    reachable: true,
    chainId: result.chainId,
    blockNumber: result.blockNumber,
  } as const;
  return result.chainId === expectedChainId ? health : { ...health, wrongChain: true };
}

/** Why a request to the RPC failed, in a few words: the HTTP status and text, or the transport's reason with its
 * root cause ("fetch failed (connect ECONNREFUSED 127.0.0.1:8545)"); viem's long message, which repeats the URL, is
 * never used, and the full URL is cut back to its origin wherever it still appears. */
function describeRpcFailure(error: unknown, rpcUrl: string): string {
  let detail: string;
  if (error instanceof BaseError) {
    const status = (error as { status?: unknown }).status;
    const root = error.walk();
    const cause = root !== error && root instanceof Error ? root.message : '';
    detail = typeof status === 'number' ? `HTTP ${status} ${error.details}` : error.details || error.shortMessage;
    if (cause !== '' && cause !== detail) detail = `${detail} (${cause})`;
  } else {
    detail = error instanceof Error ? error.message : String(error);
  }
  const line = (detail.split('\n')[0] ?? '').slice(0, 200);
  return line.split(rpcUrl).join(rpcOrigin(rpcUrl));
}
