import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { createPublicClient, createTestClient, http } from 'viem';
import { base } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../../scripts/devnet/startDevnet.ts';
import { closedPort } from '../../test/support/closedPort.ts';
import { chainHealthOf, createChainProbe } from './createChainProbe.ts';

const clientOf = (rpcUrl: string) => createPublicClient({ chain: base, transport: http(rpcUrl, { retryCount: 0 }) });

let devnet: Devnet;
beforeAll(async () => {
  devnet = await startDevnet();
});
afterAll(async () => {
  await devnet?.stop();
});

describe('createChainProbe', () => {
  it("answers a reachable node's chain id and latest block", async () => {
    const probe = createChainProbe({
      client: clientOf(devnet.rpcUrl),
      rpcUrl: devnet.rpcUrl,
      timeoutMs: 2000,
      cacheSeconds: 0,
    });
    const first = await probe();
    expect(first).toEqual({ reachable: true, chainId: 8453, blockNumber: expect.any(Number) });
    await createTestClient({ mode: 'anvil', chain: base, transport: http(devnet.rpcUrl) }).mine({ blocks: 2 });
    const second = await probe();
    expect(second.reachable && first.reachable && second.blockNumber - first.blockNumber).toBe(2);
    expect(chainHealthOf(second, 8453)).toEqual({
      configured: true,
      reachable: true,
      chainId: 8453,
      blockNumber: expect.any(Number),
    });
  });

  it('reuses an answer for cacheSeconds, and shares one request between concurrent probes', async () => {
    let clock = 1_000_000;
    let requests = 0;
    const client = clientOf(devnet.rpcUrl);
    const counting = {
      getChainId: () => client.getChainId(),
      getBlockNumber: (args?: Parameters<typeof client.getBlockNumber>[0]) => {
        requests += 1;
        return client.getBlockNumber(args);
      },
    };
    const probe = createChainProbe({
      client: counting,
      rpcUrl: devnet.rpcUrl,
      timeoutMs: 2000,
      cacheSeconds: 5,
      now: () => clock,
    });
    await Promise.all([probe(), probe(), probe()]);
    expect(requests).toBe(1);
    clock += 4_999;
    await probe();
    expect(requests).toBe(1);
    clock += 1;
    await probe();
    expect(requests).toBe(2);
  });

  it('says a closed port is unreachable, naming the RPC by its origin only', async () => {
    const port = await closedPort();
    const rpcUrl = `http://127.0.0.1:${port}/v2/secret-path-key?apikey=secret-query-key`;
    const result = await createChainProbe({ client: clientOf(rpcUrl), rpcUrl, timeoutMs: 2000, cacheSeconds: 0 })();
    expect(result).toEqual({
      reachable: false,
      error: `chain RPC http://127.0.0.1:${port} unreachable: fetch failed (connect ECONNREFUSED 127.0.0.1:${port})`,
    });
    expect(chainHealthOf(result, 8453)).toEqual({ configured: true, reachable: false });
  });

  it('gives up on a node that never answers after timeoutMs, and caches that answer too', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const rpcUrl = `http://127.0.0.1:${port}/key`;
    try {
      const probe = createChainProbe({ client: clientOf(rpcUrl), rpcUrl, timeoutMs: 300, cacheSeconds: 5 });
      const started = Date.now();
      expect(await probe()).toEqual({
        reachable: false,
        error: `chain RPC http://127.0.0.1:${port} unreachable: no answer within 0.3 s`,
      });
      expect(Date.now() - started).toBeLessThan(1500);
      const again = Date.now();
      await probe();
      expect(Date.now() - again).toBeLessThan(50);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('says what an RPC that refuses us answered (a wrong or missing key), without the URL', async () => {
    const refusing = createHttpServer((_, res) => res.writeHead(401, { 'content-type': 'text/plain' }).end('bad key'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.address() as { port: number };
    const rpcUrl = `http://127.0.0.1:${port}/v2/secret-path-key`;
    try {
      const result = await createChainProbe({ client: clientOf(rpcUrl), rpcUrl, timeoutMs: 2000, cacheSeconds: 0 })();
      expect(result).toEqual({
        reachable: false,
        error: expect.stringMatching(new RegExp(`^chain RPC http://127\\.0\\.0\\.1:${port} unreachable: HTTP 401`)),
      });
      expect(JSON.stringify(result)).not.toContain('secret');
    } finally {
      refusing.closeAllConnections();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });
});
