import { createServer } from 'node:http';
import { keccak256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../support/listenOnLoopback.ts';
import { ChainAnswerError, createIndexerChain } from './createIndexerChain.ts';

const hash = `0x${'a'.repeat(64)}`;
const from = `0x${'B'.repeat(40)}`;
const to = `0x${'C'.repeat(40)}`;
/** What the stand-in node answers to eth_getTransactionByHash next (a hostile node can answer anything). */
let answer: unknown = null;
let node: { url: string; close(): Promise<void> };

beforeAll(async () => {
  node = await listenOnLoopback(
    createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const request = JSON.parse(body) as { id: number } | { id: number }[];
        const reply = (r: { id: number }) => ({ jsonrpc: '2.0', id: r.id, result: answer });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(Array.isArray(request) ? request.map(reply) : reply(request)));
      });
    }),
  );
});
afterAll(async () => {
  await node?.close();
});

describe('createIndexerChain transaction', () => {
  it("keeps a swap transaction's sender, target, value and calldata hash, lowercase", async () => {
    answer = { hash, from, to, value: '0x10', input: '0xabcdef01', nonce: '0x1' };
    expect(await createIndexerChain(node.url).transaction(hash)).toEqual({
      from: from.toLowerCase(),
      to: to.toLowerCase(),
      value: 16n,
      inputHash: keccak256('0xabcdef01'),
    });
    answer = { hash, from, to: null, value: '0x0', input: '0x' };
    expect(await createIndexerChain(node.url).transaction(hash)).toMatchObject({ to: null, value: 0n });
  });

  it('refuses another transaction than the one asked for, and malformed answers', async () => {
    const chain = createIndexerChain(node.url, { maxRetries: 0 });
    for (const hostile of [
      { hash: `0x${'b'.repeat(64)}`, from, to, value: '0x0', input: '0x' },
      { hash, from: 'me', to, value: '0x0', input: '0x' },
      { hash, from, to, value: '-1', input: '0x' },
      { hash, from, to, value: '0x0', input: '0xabc' },
      null,
    ]) {
      answer = hostile;
      await expect(chain.transaction(hash), JSON.stringify(hostile)).rejects.toBeInstanceOf(ChainAnswerError);
    }
  });
});
