import { permit2ABI, permit2Address, universalRouterAddress } from '@zoralabs/protocol-deployments';
import { decodeFunctionData, erc20Abi, getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { PERMIT2_APPROVAL_SECONDS, planSellApprovals } from './planSellApprovals.ts';

const coin = `0x${'c'.repeat(40)}` as const;
const dev = `0x${'e'.repeat(40)}` as const;
const ur = universalRouterAddress[8453].toLowerCase() as `0x${string}`;
const permit2 = permit2Address[8453].toLowerCase();
const now = 1_800_000_000;
const base = { chainId: 8453, coin, amountIn: 500n, nowSeconds: now };

describe('planSellApprovals', () => {
  it('DevSwapRouter: one exact ERC-20 approve of the router, none when the allowance covers the amount', () => {
    const [approve, ...rest] = planSellApprovals({
      ...base,
      router: 'devSwapRouter',
      routerAddress: dev,
      current: { erc20: 499n },
    });
    expect(rest).toEqual([]);
    expect(approve).toMatchObject({ kind: 'approve', to: coin, spender: dev, amount: 500n, value: 0n });
    expect(decodeFunctionData({ abi: erc20Abi, data: approve?.data ?? '0x' }).args).toEqual([getAddress(dev), 500n]);
    expect(
      planSellApprovals({ ...base, router: 'devSwapRouter', routerAddress: dev, current: { erc20: 500n } }),
    ).toEqual([]);
  });

  it('Universal Router: ERC-20 approve of Permit2, then Permit2.approve(coin, router, amount, now + 30 min)', () => {
    const approvals = planSellApprovals({
      ...base,
      router: 'universalRouter',
      routerAddress: ur,
      current: { erc20: 0n },
    });
    expect(approvals.map((a) => [a.kind, a.to, a.spender])).toEqual([
      ['approve', coin, permit2],
      ['permit2Approve', permit2, ur],
    ]);
    expect(decodeFunctionData({ abi: permit2ABI, data: approvals[1]?.data ?? '0x' }).args).toEqual([
      getAddress(coin),
      getAddress(ur),
      500n,
      now + PERMIT2_APPROVAL_SECONDS,
    ]);
  });

  it('Universal Router: skips what is already allowed, renews a Permit2 allowance about to expire', () => {
    const plan = (permit2Allowance: { amount: bigint; expiration: number }) =>
      planSellApprovals({
        ...base,
        router: 'universalRouter',
        routerAddress: ur,
        current: { erc20: 10n ** 30n, permit2: permit2Allowance },
      }).map((a) => a.kind);
    expect(plan({ amount: 500n, expiration: now + 600 })).toEqual([]);
    expect(plan({ amount: 499n, expiration: now + 600 })).toEqual(['permit2Approve']);
    expect(plan({ amount: 500n, expiration: now + 60 })).toEqual(['permit2Approve']);
  });
});
