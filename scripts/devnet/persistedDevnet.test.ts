import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coinFactoryAddress } from '@zoralabs/protocol-deployments';
import { createPublicClient, createWalletClient, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { startDevnet } from './startDevnet.ts';

describe('startDevnet with stateDir', () => {
  it('keeps the chain across a restart: same contracts, balances and receipts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-devnet-state-'));
    const recipient = '0x00000000000000000000000000000000000b0b0b';
    try {
      const first = await startDevnet({ stateDir: dir });
      const client = createPublicClient({ chain: first.chain, transport: http(first.rpcUrl) });
      const sender = first.accounts.users[0]!;
      const wallet = createWalletClient({
        chain: first.chain,
        transport: http(first.rpcUrl),
        account: privateKeyToAccount(sender.privateKey),
      });
      const hash = await wallet.sendTransaction({ to: recipient, value: parseEther('1.5') });
      await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      // anvil dumps its state every second (and on exit); wait past one dump so a hard kill would lose nothing.
      await new Promise((r) => setTimeout(r, 1_500));
      await first.stop();

      const second = await startDevnet({ stateDir: dir });
      try {
        const again = createPublicClient({ chain: second.chain, transport: http(second.rpcUrl) });
        expect(second.addresses).toEqual(first.addresses);
        expect(await again.getBalance({ address: recipient })).toBe(parseEther('1.5'));
        expect((await again.getTransactionReceipt({ hash })).status).toBe('success');
        expect(await again.getCode({ address: coinFactoryAddress[8453] })).not.toBe('0x');
        expect(await again.getTransactionCount({ address: sender.address })).toBe(1);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
