import { permit2ABI, permit2Address } from '@zoralabs/protocol-deployments';
import { encodeFunctionData, erc20Abi, type Hex, maxUint160 } from 'viem';

/** A transaction the seller's wallet sends before the sell. */
export interface ApprovalTransaction {
  kind: 'approve' | 'permit2Approve';
  to: `0x${string}`;
  data: Hex;
  value: 0n;
  /** Who may then move the coins, and how many (raw units). */
  spender: `0x${string}`;
  amount: bigint;
}

/** What the chain says the seller has already allowed (raw units; Permit2's with its expiry in unix seconds). */
export interface CurrentAllowances {
  /** coin.allowance(seller, spender of the ERC-20 approval). */
  erc20: bigint;
  /** Permit2.allowance(seller, coin, router), only for routers that pull through Permit2. */
  permit2?: { amount: bigint; expiration: number };
}

/** How long a Permit2 allowance we ask for stays valid (it is exactly the amount sold, so it is spent by the sell). */
export const PERMIT2_APPROVAL_SECONDS = 30 * 60;

/** The approvals a sell of `amountIn` needs, given what is already allowed. DevSwapRouter pulls the coins with
 * `transferFrom`: one ERC-20 `approve(router, amountIn)`. The Universal Router pulls through Permit2: an ERC-20
 * `approve(Permit2, amountIn)` and `Permit2.approve(coin, router, amountIn, now + 30 min)`, both on chain, so the
 * wallet signs transactions we encoded ourselves (exact amounts, known spenders) instead of a Permit2 signature whose
 * calldata Zora would build; an allowance that already covers the amount (and, for Permit2, lives 2 more minutes) is
 * not asked again. Pure. https://docs.uniswap.org/contracts/permit2/reference/allowance-transfer */
export function planSellApprovals(args: {
  chainId: number;
  router: 'universalRouter' | 'devSwapRouter';
  routerAddress: `0x${string}`;
  coin: `0x${string}`;
  amountIn: bigint;
  current: CurrentAllowances;
  nowSeconds: number;
}): ApprovalTransaction[] {
  const { coin, amountIn } = args;
  const erc20Approve = (spender: `0x${string}`): ApprovalTransaction => ({
    kind: 'approve',
    to: coin,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amountIn] }),
    value: 0n,
    spender,
    amount: amountIn,
  });
  if (args.router === 'devSwapRouter') {
    return args.current.erc20 >= amountIn ? [] : [erc20Approve(args.routerAddress)];
  }
  const permit2 = permit2Address[args.chainId as keyof typeof permit2Address];
  if (permit2 === undefined) throw new RangeError(`no Permit2 known on chain ${args.chainId}`);
  if (amountIn > maxUint160) throw new RangeError('amountIn exceeds Permit2 amounts (uint160)');
  const spender = permit2.toLowerCase() as `0x${string}`;
  const approvals: ApprovalTransaction[] = [];
  if (args.current.erc20 < amountIn) approvals.push(erc20Approve(spender));
  const p2 = args.current.permit2;
  if (p2 === undefined || p2.amount < amountIn || p2.expiration < args.nowSeconds + 120) {
    approvals.push({
      kind: 'permit2Approve',
      to: spender,
      data: encodeFunctionData({
        abi: permit2ABI,
        functionName: 'approve',
        args: [coin, args.routerAddress, amountIn, args.nowSeconds + PERMIT2_APPROVAL_SECONDS],
      }),
      value: 0n,
      spender: args.routerAddress,
      amount: amountIn,
    });
  }
  return approvals;
}
