import { ApiError, getJson, postJson } from './api.ts';
import { coinsMoved } from './coinsMoved.ts';
import { authFetch, maybeInClient } from './farcaster.ts';
import { onTrade } from './live.ts';
import { describeTradeFailure, type TradeFailure } from './tradeFailure.ts';
import {
  type ConnectedWallet,
  ensureChain,
  type Receipt,
  readBalance,
  requestAccount,
  toHex,
  waitForReceipt,
} from './wallet.ts';

/** Where a buy or sell stands; every failure ends in `failed` with a message, never half way. */
export type TradeStep =
  | { kind: 'idle' }
  | { kind: 'quoting' }
  | { kind: 'switching' }
  | { kind: 'wallet'; note?: string }
  | { kind: 'pending'; txHash: string }
  | { kind: 'confirmed'; txHash: string; coins: bigint | null }
  | ({ kind: 'failed' } & TradeFailure);

interface PreparedTx {
  to: string;
  data: string;
  value?: string | undefined;
}
interface BuyQuote extends PreparedTx {
  chainId: number;
  coin: { address: string; symbol: string };
}
interface SellQuote {
  chainId: number;
  transactions?: (PreparedTx & { kind?: string })[];
  to?: string;
  data?: string;
  value?: string | undefined;
}

/** Tell the server about the trade (Quick Auth) so it confirms it and pushes its status; best effort: a server
 * without the route, or a page outside a client, still sees the trade settle through the receipt. */
async function reportTrade(txHash: string, castHash: string, side: 'buy' | 'sell'): Promise<boolean> {
  if (!maybeInClient) return false;
  try {
    const response = await authFetch('/api/trades', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ txHash, castHash, side }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

interface Settled {
  ok: boolean;
  coins: bigint | null;
}

/** Wait for the trade to settle: the stream's `trade` event (or the trade's record) when reported, and the receipt
 * through the wallet in any case; whichever comes first. */
function settle(
  wallet: ConnectedWallet,
  txHash: string,
  reported: boolean,
  side: 'buy' | 'sell',
  coins: (receipt: Receipt) => bigint,
): Promise<Settled> {
  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    let stop = () => {};
    const done = (result: Settled) => {
      controller.abort();
      stop();
      resolve(result);
    };
    const fromRecord = (data: Record<string, unknown>) => {
      if (data.status === 'confirmed') {
        // A buy's amountOut is the coins received; a sell's is ETH, so its coins come from the receipt instead.
        const out = side === 'buy' ? data.amountOut : undefined;
        done({ ok: true, coins: typeof out === 'string' && /^\d+$/.test(out) ? BigInt(out) : null });
      } else if (data.status === 'failed') done({ ok: false, coins: null });
    };
    if (reported) {
      stop = onTrade(txHash, fromRecord);
      void getJson<Record<string, unknown>>(`/api/trades/${txHash}`)
        .then(fromRecord)
        .catch(() => undefined);
    }
    waitForReceipt(wallet.provider, txHash, { signal: controller.signal })
      .then((receipt) => {
        if (controller.signal.aborted) return;
        if (receipt === null) reject(new Error('The transaction was not mined in time; check your wallet.'));
        else if (receipt.status !== '0x1') done({ ok: false, coins: null });
        else done({ ok: true, coins: coins(receipt) });
      })
      .catch(reject);
  });
}

async function sendAll(
  wallet: ConnectedWallet,
  account: string,
  transactions: PreparedTx[],
  onStep: (step: TradeStep) => void,
): Promise<string> {
  let last = '';
  for (const [index, tx] of transactions.entries()) {
    const note = transactions.length > 1 ? `step ${index + 1} of ${transactions.length}` : undefined;
    onStep(note === undefined ? { kind: 'wallet' } : { kind: 'wallet', note });
    last = (await wallet.provider.request({
      method: 'eth_sendTransaction',
      params: [{ from: account, to: tx.to, data: tx.data, value: toHex(BigInt(tx.value ?? '0')) }],
    })) as string;
    if (index < transactions.length - 1) {
      onStep({ kind: 'pending', txHash: last });
      const receipt = await waitForReceipt(wallet.provider, last);
      if (receipt === null || receipt.status !== '0x1') throw new Error('approval reverted');
    }
  }
  return last;
}

async function run(
  side: 'buy' | 'sell',
  castHash: string,
  wallet: ConnectedWallet,
  prepare: (account: `0x${string}`) => Promise<{ chainId: number; coin: string; transactions: PreparedTx[] }>,
  onStep: (step: TradeStep) => void,
): Promise<TradeStep> {
  try {
    onStep({ kind: 'wallet' });
    const account = await requestAccount(wallet.provider);
    onStep({ kind: 'quoting' });
    const prepared = await prepare(account);
    onStep({ kind: 'switching' });
    await ensureChain(wallet.provider, prepared.chainId);
    const txHash = await sendAll(wallet, account, prepared.transactions, onStep);
    onStep({ kind: 'pending', txHash });
    const reported = await reportTrade(txHash, castHash, side);
    const result = await settle(wallet, txHash, reported, side, (receipt) =>
      coinsMoved(receipt, prepared.coin, account, side),
    );
    const final: TradeStep = result.ok
      ? { kind: 'confirmed', txHash, coins: result.coins }
      : { kind: 'failed', ...describeTradeFailure(new Error('reverted'), side) };
    onStep(final);
    return final;
  } catch (error) {
    const failed: TradeStep = { kind: 'failed', ...describeTradeFailure(error, side) };
    onStep(failed);
    return failed;
  }
}

/** Buy: quote (`POST /api/tx/buy`), chain check, `eth_sendTransaction`, report, then pending until confirmed. */
export function runBuy(
  castHash: string,
  amountEth: string,
  wallet: ConnectedWallet,
  onStep: (step: TradeStep) => void,
): Promise<TradeStep> {
  return run(
    'buy',
    castHash,
    wallet,
    async (buyer) => {
      const quote = await postJson<BuyQuote>('/api/tx/buy', { castHash, buyer, amountEth });
      return { chainId: quote.chainId, coin: quote.coin.address, transactions: [quote] };
    },
    onStep,
  );
}

/** Sell `amount` coins (decimal) or a `fraction` of the holding: `POST /api/tx/sell` returns the transactions (an
 * approval first when the router needs one), sent in order. */
export function runSell(
  castHash: string,
  coin: string,
  amount: { amount: string } | { fraction: number },
  wallet: ConnectedWallet,
  onStep: (step: TradeStep) => void,
): Promise<TradeStep> {
  return run(
    'sell',
    castHash,
    wallet,
    async (seller) => {
      const quote = await postJson<SellQuote>('/api/tx/sell', { castHash, seller, ...amount });
      const transactions =
        quote.transactions ?? (quote.to && quote.data ? [{ to: quote.to, data: quote.data, value: quote.value }] : []);
      if (transactions.length === 0) throw new ApiError(502, 'The server sent no transaction to sign', null);
      return { chainId: quote.chainId, coin, transactions };
    },
    onStep,
  );
}

/** The connected account's balance of the coin (base units), read through the wallet. */
export async function holdingOf(wallet: ConnectedWallet, coin: string): Promise<bigint> {
  const accounts = (await wallet.provider.request({ method: 'eth_accounts' })) as string[];
  const account = accounts[0];
  return account === undefined ? 0n : readBalance(wallet.provider, coin, account);
}
