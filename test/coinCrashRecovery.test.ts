/** A development host killed (SIGKILL, with its chain) right after it sent a coin's creation transaction: restarted
 * on the same DATA_DIR, it finishes the coin within one short lease, and the chain holds exactly one coin. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coinFactoryABI, coinFactoryAddress } from '@zoralabs/protocol-deployments';
import { createPublicClient, http } from 'viem';
import { describe, expect, it } from 'vitest';
import { castHash } from '../scripts/neynarPayloads.ts';
import {
  deliverSigned,
  freePort,
  type Spawned,
  spawnScript,
  stopSpawned,
  viralPayloads,
  waitHealthy,
} from '../scripts/support/spawnHost.ts';
import { coinMetadataUrl } from '../src/coins/coinMetadataUrl.ts';

/** The anvil processes a host started (its chain dies with it, as in a machine or container that is killed). */
function anvilChildren(pid: number): number[] {
  const lines = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n');
  return lines
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'anvil')
    .map(([child]) => Number(child));
}

const killQuietly = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
};

type Coin = { address: string; txHash: string } | null;

describe('coin creation after a crash (src/dev.ts killed mid-creation)', () => {
  it('completes a killed coin job within 15 s of the restart, with exactly one coin on chain', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-crash-'));
    const port = await freePort();
    const env = {
      PORT: String(port),
      DATA_DIR: dir,
      VIRAL_SCORE_THRESHOLD: '5',
      VIRAL_SWEEP_SECONDS: '1',
      COIN_WORKER_SECONDS: '1',
    };
    const hash = castHash(4242, 'c');
    const anvils: number[] = [];
    let anvilKilled = false;
    let killedAt = 0;
    let second: Spawned | null = null;
    const first = spawnScript('src/dev.ts', env);
    try {
      await waitHealthy(port, first, 120_000);
      anvils.push(...anvilChildren(first.child.pid as number));
      expect(anvils).toHaveLength(1);

      // SIGKILL the host and its chain the moment it logs the sent transaction: no handler, no final chain dump.
      let seen = '';
      const killed = new Promise<void>((resolve) => {
        first.child.stdout?.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes('"msg":"coin transaction sent"') && seen.includes(hash)) {
            first.child.kill('SIGKILL');
            for (const pid of anvils) killQuietly(pid);
            anvilKilled = true;
            killedAt = Date.now();
            resolve();
          }
        });
      });

      const secret = (await readFile(path.join(dir, 'neynar-webhook-secret'), 'utf8')).trim();
      const statuses = await deliverSigned(port, secret, viralPayloads(hash, 7300, 61_000));
      expect(statuses).toEqual(Array(13).fill(200));
      await killed;
      await first.exited;
      expect(first.output()).not.toContain('"msg":"coin confirmed"');

      second = spawnScript('src/dev.ts', env);
      await waitHealthy(port, second, 120_000);
      const healthyAt = Date.now();
      let coin: Coin = null;
      while (coin === null && Date.now() - healthyAt < 60_000) {
        const res = await fetch(`http://127.0.0.1:${port}/api/performances/${hash}`);
        if (res.status === 200) coin = ((await res.json()) as { coin: Coin }).coin;
        if (coin === null) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const takeoverMs = Date.now() - healthyAt;
      console.info(
        `coin of the killed job confirmed ${takeoverMs} ms after the restarted host was healthy ` +
          `(${Date.now() - killedAt} ms after the kill); ` +
          (second.output().includes('"recovered":true')
            ? 'the restored chain held the sent transaction'
            : 'the lost transaction was sent again with the same nonce'),
      );
      expect(coin?.address).toMatch(/^0x[0-9a-f]{40}$/);
      expect(takeoverMs).toBeLessThan(15_000);
      expect(second.output()).toContain('"msg":"coin confirmed"');

      const rpcUrl = (await readFile(path.join(dir, 'devnet', 'rpc-url'), 'utf8')).trim();
      const client = createPublicClient({ transport: http(rpcUrl) });
      const logs = await client.getContractEvents({
        address: coinFactoryAddress[8453],
        abi: coinFactoryABI,
        eventName: 'CoinCreatedV4',
        fromBlock: 0n,
        strict: true,
      });
      const ours = logs.filter((log) => log.args.uri === coinMetadataUrl(`http://localhost:${port}`, hash));
      expect(ours).toHaveLength(1);
      expect(ours[0]?.args.coin.toLowerCase()).toBe(coin?.address);
      expect(await stopSpawned(second)).toBe(0);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      // The first host's chain outlives a SIGKILLed host; the second one stops its own.
      if (!anvilKilled) for (const pid of anvils) killQuietly(pid);
      if (second !== null && second.child.exitCode === null) await stopSpawned(second);
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
