import { type Hash, type PublicClient, TransactionNotFoundError } from 'viem';
import { UnavailableError } from '../errors.ts';

/** Whether the chain's node knows a transaction (waiting or mined): true, false (never seen), or UnavailableError. */
export type TransactionLookup = (hash: `0x${string}`) => Promise<boolean>;

export interface TransactionLookupOptions {
  publicClient: Pick<PublicClient, 'getTransaction'>;
  /** How long to keep asking for a hash the node does not know yet (a wallet's node and ours may learn of a
   * transaction a block apart: 2 s on Base). Default 2500. */
  waitMs?: number;
  /** Pause between two asks. Default 500. */
  pollMs?: number;
  /** Longest wait for one answer of the node. Default 2000. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function unavailable(cause: unknown): UnavailableError {
  return new UnavailableError('The chain is unavailable; report it again shortly', cause, 5);
}

/** A TransactionLookup over `eth_getTransactionByHash` (viem getTransaction), used before a reported buy is recorded
 * so a made-up hash never becomes a pending trade. A hash the node does not know is asked again for `waitMs`; a node
 * that errors or does not answer within `timeoutMs` is UnavailableError (503, retry in 5 s), never "seen". The whole
 * lookup stays well within the 5 s a frames v1 client waits. https://viem.sh/docs/actions/public/getTransaction */
export function createTransactionLookup(options: TransactionLookupOptions): TransactionLookup {
  const waitMs = options.waitMs ?? 2500;
  const pollMs = options.pollMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 2000;

  const askOnce = async (hash: Hash): Promise<boolean> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`chain did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([options.publicClient.getTransaction({ hash }), timeout]);
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return false;
      throw unavailable(error);
    } finally {
      clearTimeout(timer);
    }
  };

  return async (hash) => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await askOnce(hash)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(pollMs, left));
    }
  };
}
