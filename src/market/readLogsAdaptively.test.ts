import { HttpRequestError, RpcRequestError } from 'viem';
import { describe, expect, it } from 'vitest';
import { LogReadError, type RawLog, readLogsAdaptively } from './readLogsAdaptively.ts';

const log = (block: bigint): RawLog => ({
  address: '0x0000000000000000000000000000000000000001',
  topics: [],
  data: '0x',
  blockNumber: `0x${block.toString(16)}`,
  blockHash: `0x${'1'.repeat(64)}`,
  transactionHash: `0x${'2'.repeat(64)}`,
  logIndex: '0x0',
});
const tooWide = () =>
  new RpcRequestError({ body: {}, url: 'x', error: { code: -32005, message: 'block range too large' } });

describe('readLogsAdaptively', () => {
  it('splits ranges a provider refuses down to what it answers, keeping chain order and every block', async () => {
    const asked: [bigint, bigint][] = [];
    const splits: bigint[] = [];
    const logs = await readLogsAdaptively(
      async (from, to) => {
        asked.push([from, to]);
        if (to - from + 1n > 3n) throw tooWide();
        const out: RawLog[] = [];
        for (let b = from; b <= to; b += 1n) out.push(log(b));
        return out;
      },
      10n,
      19n,
      { onSplit: (size) => splits.push(size) },
    );
    expect(logs.map((l) => BigInt(l.blockNumber))).toEqual([10n, 11n, 12n, 13n, 14n, 15n, 16n, 17n, 18n, 19n]);
    expect(asked.filter(([f, t]) => t - f + 1n <= 3n).every(([f, t]) => f <= t)).toBe(true);
    expect(splits.length).toBeGreaterThan(0);
  });

  it('waits out 429s and 5xx (Retry-After honoured) and fails after the last retry', async () => {
    const waits: number[] = [];
    let calls = 0;
    const logs = await readLogsAdaptively(
      async () => {
        calls += 1;
        if (calls === 1)
          throw new HttpRequestError({ url: 'x', status: 429, headers: new Headers({ 'retry-after': '2' }) });
        if (calls === 2) throw new HttpRequestError({ url: 'x', status: 502 });
        return [log(5n)];
      },
      5n,
      5n,
      { sleep: async (ms) => void waits.push(ms), backoffMs: 100 },
    );
    expect(logs).toHaveLength(1);
    expect(waits).toEqual([2000, 200]);

    await expect(
      readLogsAdaptively(
        async () => {
          throw new HttpRequestError({ url: 'x', status: 503 });
        },
        1n,
        1n,
        { sleep: async () => {}, maxRetries: 2 },
      ),
    ).rejects.toBeInstanceOf(LogReadError);
  });

  it('does not split below one block: a single block the provider refuses is an error', async () => {
    await expect(
      readLogsAdaptively(
        async () => {
          throw tooWide();
        },
        7n,
        7n,
      ),
    ).rejects.toBeInstanceOf(LogReadError);
  });
});
