import { createPublicClient, type Hex, http, keccak256, toHex } from 'viem';
import { z } from 'zod';
import { BaseError } from '../errors.ts';
import { classifyRpcFailure } from './classifyRpcFailure.ts';
import type { RawLog } from './readLogsAdaptively.ts';

/** A block header as the indexer needs it. */
export interface BlockHeader {
  number: bigint;
  hash: string;
  timestamp: bigint;
}

/** A log filter: emitters and topic positions (null: any; an array: any of them). */
export interface LogFilter {
  fromBlock: bigint;
  toBlock: bigint;
  address: string[];
  topics: (string | string[] | null)[];
}

/** The chain reads the indexer makes; every answer is checked before use. */
export interface IndexerChain {
  blockNumber(): Promise<bigint>;
  /** The canonical block at a height, or null when the chain has none there (yet, or any more). */
  block(number: bigint): Promise<BlockHeader | null>;
  /** One eth_getLogs call (range and result limits are the caller's business: readLogsAdaptively). */
  logs(filter: LogFilter): Promise<RawLog[]>;
  /** What the trade confirmer's rules read from a mined transaction: sender, target (null: a contract creation),
   * value, and the keccak256 of its calldata. */
  transaction(hash: string): Promise<SwapTransaction>;
}

/** A swap's transaction, as the indexer keeps it (lowercase). */
export interface SwapTransaction {
  from: string;
  to: string | null;
  value: bigint;
  inputHash: string;
}

/** The chain answered something the indexer cannot use. */
export class ChainAnswerError extends BaseError {
  override name = 'Market.ChainAnswerError';
}

const quantity = z.string().regex(/^0x[0-9a-fA-F]{1,64}$/);
const hash32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const headerSchema = z.object({ number: quantity, hash: hash32, timestamp: quantity });
const logSchema = z.object({
  address,
  topics: z.array(hash32).max(4),
  data: z.string().regex(/^0x([0-9a-fA-F]{2})*$/),
  blockNumber: quantity,
  blockHash: hash32,
  transactionHash: hash32,
  logIndex: quantity,
  removed: z.boolean().optional(),
});

const transactionSchema = z.object({
  hash: hash32,
  from: address,
  to: address.nullable().optional(),
  value: quantity,
  input: z.string().regex(/^0x([0-9a-fA-F]{2})*$/),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The indexer's chain over JSON-RPC (viem's http transport with its own retries off): calls other than eth_getLogs
 * are retried here on 429/5xx honouring Retry-After (a few times, then the step fails and runs again next period);
 * answers are validated so a hostile or broken node cannot feed the indexer malformed data. */
export function createIndexerChain(rpcUrl: string, options: { maxRetries?: number } = {}): IndexerChain {
  const client = createPublicClient({
    transport: http(rpcUrl, { retryCount: 0, timeout: 15_000, batch: { batchSize: 50, wait: 0 } }),
  });
  const maxRetries = options.maxRetries ?? 4;
  const call = async (method: string, params: unknown[]): Promise<unknown> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await client.request({ method, params } as never);
      } catch (error) {
        const failure = classifyRpcFailure(error, Math.min(500 * 2 ** attempt, 10_000));
        if (failure.kind !== 'retry' || attempt >= maxRetries) throw error;
        await sleep(failure.afterMs);
      }
    }
  };
  const parse = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
    const result = schema.safeParse(value);
    if (!result.success) throw new ChainAnswerError(`unusable ${what} from the chain`);
    return result.data;
  };
  return {
    async blockNumber() {
      return BigInt(parse(quantity, await call('eth_blockNumber', []), 'block number'));
    },
    async block(number) {
      const raw = await call('eth_getBlockByNumber', [toHex(number), false]);
      if (raw === null) return null;
      const header = parse(headerSchema, raw, 'block');
      if (BigInt(header.number) !== number) throw new ChainAnswerError('the chain answered another block');
      return { number, hash: header.hash.toLowerCase(), timestamp: BigInt(header.timestamp) };
    },
    async logs(filter) {
      const raw = await client.request({
        method: 'eth_getLogs',
        params: [
          {
            fromBlock: toHex(filter.fromBlock),
            toBlock: toHex(filter.toBlock),
            address: filter.address as `0x${string}`[],
            topics: filter.topics as never,
          },
        ],
      });
      const logs = parse(z.array(logSchema), raw, 'logs');
      for (const log of logs) {
        const n = BigInt(log.blockNumber);
        if (n < filter.fromBlock || n > filter.toBlock) throw new ChainAnswerError('a log outside the asked range');
      }
      return logs;
    },
    async transaction(hash) {
      const raw = await call('eth_getTransactionByHash', [hash]);
      const tx = parse(transactionSchema, raw, 'transaction');
      if (tx.hash.toLowerCase() !== hash.toLowerCase())
        throw new ChainAnswerError('the chain answered another transaction');
      return {
        from: tx.from.toLowerCase(),
        to: tx.to?.toLowerCase() ?? null,
        value: BigInt(tx.value),
        inputHash: keccak256(tx.input as Hex),
      };
    },
  };
}
