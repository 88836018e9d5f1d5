import { isAddressEqual } from 'viem';

// Universal Router command bytes (Uniswap universal-router, contracts/libraries/Commands.sol). The router masks a
// command with 0x3f and treats 0x80 as "allow revert"; we compare whole bytes, so any flag bit is refused too.
export const SWEEP = 0x04;
export const V4_SWAP = 0x10;

// Uniswap v4 periphery actions inside a V4_SWAP (v4-periphery, src/libraries/Actions.sol).
export const SWAP_EXACT_IN_SINGLE = 0x06;
export const SWAP_EXACT_IN = 0x07;
export const SETTLE = 0x0b;
export const SETTLE_ALL = 0x0c;
export const TAKE = 0x0e;
export const TAKE_ALL = 0x0f;

// v4-periphery ActionConstants: address(1) stands for the router's caller, and an amount of 0 for "the whole open
// delta". The caller here is the trader, because the trader's wallet sends the transaction.
export const MSG_SENDER = '0x0000000000000000000000000000000000000001';
export const OPEN_DELTA = 0n;

const poolKey = {
  type: 'tuple',
  components: [
    { name: 'currency0', type: 'address' },
    { name: 'currency1', type: 'address' },
    { name: 'fee', type: 'uint24' },
    { name: 'tickSpacing', type: 'int24' },
    { name: 'hooks', type: 'address' },
  ],
} as const;

// IV4Router.ExactInputSingleParams and ExactInputParams as released in v4-periphery 1.0 (the version the Universal
// Router on Base was built with). A later layout would not re-encode to the same bytes and is refused.
export const exactInputSingle = [
  {
    type: 'tuple',
    components: [
      { name: 'poolKey', ...poolKey },
      { name: 'zeroForOne', type: 'bool' },
      { name: 'amountIn', type: 'uint128' },
      { name: 'amountOutMinimum', type: 'uint128' },
      { name: 'hookData', type: 'bytes' },
    ],
  },
] as const;
export const exactInput = [
  {
    type: 'tuple',
    components: [
      { name: 'currencyIn', type: 'address' },
      {
        name: 'path',
        type: 'tuple[]',
        components: [
          { name: 'intermediateCurrency', type: 'address' },
          { name: 'fee', type: 'uint24' },
          { name: 'tickSpacing', type: 'int24' },
          { name: 'hooks', type: 'address' },
          { name: 'hookData', type: 'bytes' },
        ],
      },
      { name: 'amountIn', type: 'uint128' },
      { name: 'amountOutMinimum', type: 'uint128' },
    ],
  },
] as const;
export const actionsAndParams = [{ type: 'bytes' }, { type: 'bytes[]' }] as const;
export const currencyAndAmount = [{ type: 'address' }, { type: 'uint256' }] as const;
export const settleParams = [{ type: 'address' }, { type: 'uint256' }, { type: 'bool' }] as const;
export const takeParams = [{ type: 'address' }, { type: 'address' }, { type: 'uint256' }] as const;
export const sweepParams = [{ type: 'address' }, { type: 'address' }, { type: 'uint160' }] as const;

/** Thrown inside the Universal Router decoders to refuse a call; caught and turned into a refusal. */
export class Refused extends Error {}

/** Whether `address` is the trader (the buyer or the seller, who sends the transaction): their address or the
 * router's "msg.sender" placeholder. */
export function isTrader(address: string, trader: `0x${string}`): boolean {
  return isAddressEqual(address as `0x${string}`, trader) || isAddressEqual(address as `0x${string}`, MSG_SENDER);
}
