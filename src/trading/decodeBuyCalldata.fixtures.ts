import { universalRouterABI } from '@zoralabs/protocol-deployments';
import { concatHex, encodeAbiParameters, encodeFunctionData, type Hex, numberToHex, zeroAddress } from 'viem';

/** Test fixtures only: encoders for Universal Router calls the way a quote service would build them, so tests can
 * hand buildBuyTransaction and decodeBuyCalldata real calldata (honest and hostile). */

const poolKeyComponents = [
  { name: 'currency0', type: 'address' },
  { name: 'currency1', type: 'address' },
  { name: 'fee', type: 'uint24' },
  { name: 'tickSpacing', type: 'int24' },
  { name: 'hooks', type: 'address' },
] as const;

/** One v4 action with its parameters, already encoded. */
export type V4Action = { action: number; params: Hex };

/** SWAP_EXACT_IN_SINGLE on the pool (currency0, currency1). */
export function swapExactInSingle(args: {
  currency0?: `0x${string}`;
  currency1: `0x${string}`;
  zeroForOne?: boolean;
  amountIn: bigint;
  amountOutMinimum: bigint;
}): V4Action {
  const params = encodeAbiParameters(
    [
      {
        type: 'tuple',
        components: [
          { name: 'poolKey', type: 'tuple', components: poolKeyComponents },
          { name: 'zeroForOne', type: 'bool' },
          { name: 'amountIn', type: 'uint128' },
          { name: 'amountOutMinimum', type: 'uint128' },
          { name: 'hookData', type: 'bytes' },
        ],
      },
    ],
    [
      {
        poolKey: {
          currency0: args.currency0 ?? zeroAddress,
          currency1: args.currency1,
          fee: 10_000,
          tickSpacing: 200,
          hooks: `0x${'4'.repeat(40)}`,
        },
        zeroForOne: args.zeroForOne ?? true,
        amountIn: args.amountIn,
        amountOutMinimum: args.amountOutMinimum,
        hookData: '0x',
      },
    ],
  );
  return { action: 0x06, params };
}

/** SWAP_EXACT_IN from `currencyIn` through `path` (each hop's output currency). */
export function swapExactIn(args: {
  currencyIn?: `0x${string}`;
  path: `0x${string}`[];
  amountIn: bigint;
  amountOutMinimum: bigint;
}): V4Action {
  const params = encodeAbiParameters(
    [
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
    ],
    [
      {
        currencyIn: args.currencyIn ?? zeroAddress,
        path: args.path.map((intermediateCurrency) => ({
          intermediateCurrency,
          fee: 10_000,
          tickSpacing: 200,
          hooks: zeroAddress,
          hookData: '0x' as Hex,
        })),
        amountIn: args.amountIn,
        amountOutMinimum: args.amountOutMinimum,
      },
    ],
  );
  return { action: 0x07, params };
}

const currencyAmount = [{ type: 'address' }, { type: 'uint256' }] as const;

/** SETTLE_ALL(currency, maxAmount). */
export const settleAll = (currency: `0x${string}`, maxAmount: bigint): V4Action => ({
  action: 0x0c,
  params: encodeAbiParameters(currencyAmount, [currency, maxAmount]),
});
/** SETTLE(currency, amount, payerIsUser). */
export const settle = (currency: `0x${string}`, amount: bigint, payerIsUser: boolean): V4Action => ({
  action: 0x0b,
  params: encodeAbiParameters(
    [{ type: 'address' }, { type: 'uint256' }, { type: 'bool' }],
    [currency, amount, payerIsUser],
  ),
});
/** TAKE_ALL(currency, minAmount): to the router's caller. */
export const takeAll = (currency: `0x${string}`, minAmount: bigint): V4Action => ({
  action: 0x0f,
  params: encodeAbiParameters(currencyAmount, [currency, minAmount]),
});
/** TAKE(currency, recipient, amount). */
export const take = (currency: `0x${string}`, recipient: `0x${string}`, amount: bigint): V4Action => ({
  action: 0x0e,
  params: encodeAbiParameters(
    [{ type: 'address' }, { type: 'address' }, { type: 'uint256' }],
    [currency, recipient, amount],
  ),
});
/** TAKE_PORTION(currency, recipient, bips): not accepted by the decoder. */
export const takePortion = (currency: `0x${string}`, recipient: `0x${string}`, bips: bigint): V4Action => ({
  action: 0x10,
  params: encodeAbiParameters(
    [{ type: 'address' }, { type: 'address' }, { type: 'uint256' }],
    [currency, recipient, bips],
  ),
});

/** The input of one V4_SWAP command: abi.encode(bytes actions, bytes[] params). */
export function v4SwapInput(actions: V4Action[]): Hex {
  return encodeAbiParameters(
    [{ type: 'bytes' }, { type: 'bytes[]' }],
    [concatHex(actions.map((a) => numberToHex(a.action, { size: 1 }))), actions.map((a) => a.params)],
  );
}

/** SWEEP(token, recipient, amountMin) command input. */
export const sweepInput = (token: `0x${string}`, recipient: `0x${string}`, amountMin = 0n): Hex =>
  encodeAbiParameters([{ type: 'address' }, { type: 'address' }, { type: 'uint160' }], [token, recipient, amountMin]);

/** execute(commands, inputs, deadline) with one command byte per input. */
export function executeCall(commands: { command: number; input: Hex }[], deadline = 2_000_000_000n): Hex {
  return encodeFunctionData({
    abi: universalRouterABI,
    functionName: 'execute',
    args: [concatHex(commands.map((c) => numberToHex(c.command, { size: 1 }))), commands.map((c) => c.input), deadline],
  });
}

/** The honest buy: one V4_SWAP of SWAP_EXACT_IN_SINGLE (ETH -> coin), SETTLE_ALL ETH, TAKE_ALL coin. */
export function honestUniversalRouterBuy(args: { coin: `0x${string}`; value: bigint; minOut: bigint }): Hex {
  return executeCall([
    {
      command: 0x10,
      input: v4SwapInput([
        swapExactInSingle({ currency1: args.coin, amountIn: args.value, amountOutMinimum: args.minOut }),
        settleAll(zeroAddress, args.value),
        takeAll(args.coin, args.minOut),
      ]),
    },
  ]);
}
