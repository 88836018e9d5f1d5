import type { PublicClient } from 'viem';
import { createTransactionFetcher } from './createTransactionFetcher.ts';

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

/** A TransactionLookup over `eth_getTransactionByHash` (createTransactionFetcher), used before a reported buy is
 * recorded so a made-up hash never becomes a pending trade. A hash the node does not know is asked again for
 * `waitMs`; a node that errors or does not answer within `timeoutMs` is UnavailableError (503, retry in 5 s), never
 * "seen". The whole lookup stays well within the 5 s a frames v1 client waits.
 * https://viem.sh/docs/actions/public/getTransaction */
export function createTransactionLookup(options: TransactionLookupOptions): TransactionLookup {
  const fetch = createTransactionFetcher(options);
  return async (hash) => (await fetch(hash)) !== null;
}
