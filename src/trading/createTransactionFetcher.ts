import { type Hash, type PublicClient, TransactionNotFoundError } from 'viem';
import { UnavailableError } from '../errors.ts';

/** What a reported trade's transaction says about itself before it is mined: who sent it, to which contract, with
 * which calldata. */
export interface SeenTransaction {
  from: `0x${string}`;
  to: `0x${string}` | null;
  input: `0x${string}`;
}

/** The chain's node's copy of a transaction (waiting or mined), null when it has never seen it, or UnavailableError. */
export type TransactionFetcher = (hash: `0x${string}`) => Promise<SeenTransaction | null>;

export interface TransactionFetcherOptions {
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

/** A TransactionFetcher over `eth_getTransactionByHash` (viem getTransaction): a hash the node does not know is asked
 * again for `waitMs`; a node that errors or does not answer within `timeoutMs` is UnavailableError (503, retry in
 * 5 s), never "not seen". https://viem.sh/docs/actions/public/getTransaction */
export function createTransactionFetcher(options: TransactionFetcherOptions): TransactionFetcher {
  const waitMs = options.waitMs ?? 2500;
  const pollMs = options.pollMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 2000;

  const askOnce = async (hash: Hash): Promise<SeenTransaction | null> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`chain did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const tx = await Promise.race([options.publicClient.getTransaction({ hash }), timeout]);
      return {
        from: tx.from.toLowerCase() as `0x${string}`,
        to: tx.to === null ? null : (tx.to.toLowerCase() as `0x${string}`),
        input: tx.input,
      };
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return null;
      throw new UnavailableError('The chain is unavailable; report it again shortly', error, 5);
    } finally {
      clearTimeout(timer);
    }
  };

  return async (hash) => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const seen = await askOnce(hash);
      if (seen !== null) return seen;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await sleep(Math.min(pollMs, left));
    }
  };
}
