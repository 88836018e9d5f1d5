import { useEffect, useState } from 'preact/hooks';
import { boot } from '../api.ts';
import { type AddAppResult, addApp, clientSession } from '../farcaster.ts';
import { formatCoins, parseEthInput } from '../format.ts';
import { holdingOf, runBuy, runSell, type TradeStep } from '../trade.ts';
import type { Coin } from '../types.ts';
import { type ConnectedWallet, findWallet } from '../wallet.ts';
import { Notice } from './ui.tsx';

const PRESETS = ['0.001', '0.005', '0.01'];
const FRACTIONS = [
  { label: '25%', value: 0.25 },
  { label: '50%', value: 0.5 },
  { label: 'All', value: 1 },
];

function stepText(step: TradeStep, side: 'buy' | 'sell', symbol: string): string {
  switch (step.kind) {
    case 'quoting':
      return 'Getting a price…';
    case 'switching':
      return 'Checking your wallet’s network…';
    case 'wallet':
      return `Confirm in your wallet${step.note ? ` (${step.note})` : ''}…`;
    case 'pending':
      return 'Sent. Waiting for the network to confirm…';
    case 'confirmed':
      return step.coins === null
        ? `Confirmed: ${side === 'buy' ? 'bought' : 'sold'} $${symbol}.`
        : `Confirmed: ${side === 'buy' ? 'received' : 'sold'} ${formatCoins(step.coins)} $${symbol}.`;
    default:
      return '';
  }
}

/** Where to go without a wallet: Farcaster's composer with the share page as the embed, which launches the app. */
function openInFarcasterUrl(castHash: string): string {
  const share = `${boot.publicUrl}/p/${castHash}`;
  return `https://farcaster.xyz/~/compose?text=${encodeURIComponent('Listening on GigaVibe')}&embeds[]=${encodeURIComponent(share)}`;
}

/** Buy (presets or a typed ETH amount) and sell (a share of the holding) the performance's coin with the client's
 * wallet, or an injected one in a plain browser; each step is shown, every failure says why and resets. */
export function TradePanel({ castHash, coin }: { castHash: string; coin: Coin }) {
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [amount, setAmount] = useState(PRESETS[0]!);
  const [step, setStep] = useState<TradeStep>({ kind: 'idle' });
  const [wallet, setWallet] = useState<ConnectedWallet | null | undefined>(undefined);
  const [holding, setHolding] = useState<bigint | null>(null);
  const [offerAdd, setOfferAdd] = useState(false);
  const [addAnswer, setAddAnswer] = useState<AddAppResult | null>(null);

  useEffect(() => {
    void findWallet().then(setWallet);
  }, []);
  const refreshHolding = () => {
    if (wallet) void holdingOf(wallet, coin.address).then(setHolding, () => setHolding(null));
  };
  useEffect(refreshHolding, [wallet, coin.address]);

  const busy = step.kind !== 'idle' && step.kind !== 'failed' && step.kind !== 'confirmed';
  const parsed = parseEthInput(amount);

  const finish = async (result: TradeStep) => {
    refreshHolding();
    if (result.kind === 'confirmed') {
      const session = await clientSession();
      if (session !== null && !session.added) setOfferAdd(true);
    }
  };
  const buy = async () => {
    if (!wallet || parsed === null) return;
    await finish(await runBuy(castHash, parsed, wallet, setStep));
  };
  const sell = async (fraction: number) => {
    if (!wallet) return;
    await finish(await runSell(castHash, coin.address, { fraction }, wallet, setStep));
  };

  if (wallet === null) {
    return (
      <div class="panel trade">
        <Notice>No wallet here. Open GigaVibe in Farcaster (or a browser with a wallet) to buy ${coin.symbol}.</Notice>
        <a class="button primary" href={openInFarcasterUrl(castHash)} target="_blank" rel="noopener">
          Open in Farcaster
        </a>
      </div>
    );
  }

  return (
    <div class="panel trade">
      <div class="tabs small" role="tablist" aria-label="Buy or sell">
        {(['buy', 'sell'] as const).map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={side === s}
            class={side === s ? 'tab active' : 'tab'}
            disabled={busy}
            onClick={() => {
              setSide(s);
              setStep({ kind: 'idle' });
            }}
          >
            {s === 'buy' ? 'Buy' : 'Sell'}
          </button>
        ))}
      </div>
      {side === 'buy' ? (
        <form
          class="buy"
          onSubmit={(event) => {
            event.preventDefault();
            void buy();
          }}
        >
          <fieldset class="presets">
            <legend class="sr-only">Amount presets</legend>
            {PRESETS.map((p) => (
              <button
                key={p}
                type="button"
                class={amount === p ? 'chip active' : 'chip'}
                aria-pressed={amount === p}
                disabled={busy}
                onClick={() => setAmount(p)}
              >
                {p} ETH
              </button>
            ))}
          </fieldset>
          <label class="amount">
            <span>Amount in ETH</span>
            <input
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              disabled={busy}
              aria-invalid={parsed === null}
              onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" class="button primary" disabled={busy || parsed === null || wallet === undefined}>
            {busy ? 'Buying…' : `Buy $${coin.symbol}`}
          </button>
        </form>
      ) : (
        <div class="sell">
          <p class="holding">
            You hold <b class="num">{holding === null ? '—' : formatCoins(holding)}</b> ${coin.symbol}
          </p>
          <fieldset class="presets">
            <legend class="sr-only">Sell a share of your holding</legend>
            {FRACTIONS.map((f) => (
              <button
                key={f.label}
                type="button"
                class="chip"
                disabled={busy || holding === null || holding === 0n}
                onClick={() => void sell(f.value)}
              >
                Sell {f.label}
              </button>
            ))}
          </fieldset>
        </div>
      )}
      <div class="trade-status" aria-live="polite">
        {step.kind === 'failed' ? (
          <Notice tone="error">{step.message}</Notice>
        ) : step.kind !== 'idle' ? (
          <p class={`status status-${step.kind}`} data-step={step.kind}>
            {stepText(step, side, coin.symbol)}
          </p>
        ) : null}
      </div>
      {offerAdd && (
        <div class="add-app">
          <p>Get a note when your trades confirm and new coins launch.</p>
          <button
            type="button"
            class="button"
            onClick={() =>
              void addApp().then((answer) => {
                setOfferAdd(!answer.added);
                setAddAnswer(answer.added ? answer : null);
              })
            }
          >
            Add GigaVibe
          </button>
        </div>
      )}
      {addAnswer !== null && (
        <p class="add-app" role="status">
          {addAnswer.notifications
            ? 'GigaVibe is added and notifications are on.'
            : 'GigaVibe is added. Notifications are off: turn them on in your Farcaster app.'}
        </p>
      )}
    </div>
  );
}
