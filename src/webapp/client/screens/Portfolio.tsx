import { useEffect, useState } from 'preact/hooks';
import { ApiError, fetchAddressPortfolio, fetchPortfolio, readJson } from '../api.ts';
import { artistName, Notice, SkeletonCards } from '../components/ui.tsx';
import { addApp, authFetch, clientSession, maybeInClient } from '../farcaster.ts';
import { formatCoins, formatEth } from '../format.ts';
import type { Portfolio as PortfolioData } from '../types.ts';
import { findWallet, requestAccount } from '../wallet.ts';

type State =
  | { kind: 'loading' }
  | { kind: 'ok'; portfolio: PortfolioData; who: string; notifications: boolean | null }
  | { kind: 'message'; text: string; tone: 'info' | 'error' };

interface Me {
  fid: number;
  user?: { username?: string | null } | null;
  notifications?: { enabled?: boolean };
}

const readMe = async () => readJson<Me>(await authFetch('/api/me'));

/** The signed-in user's fid and notification state: Quick Auth, checked by the server (`GET /api/me`). */
async function signedInFid(): Promise<{ fid: number; name: string; notifications: boolean } | null> {
  const session = await clientSession();
  if (session === null) return null;
  const me = await readMe();
  return {
    fid: me.fid,
    name: me.user?.username ? `@${me.user.username}` : (session.user.username ?? `fid ${me.fid}`),
    notifications: me.notifications?.enabled === true,
  };
}

/** Whether the server has this user's notifications on, asked a few times: the client tells our server through its
 * own signed webhook event, which may land shortly after the prompt answered. */
async function serverNotifications(): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if ((await readMe().catch(() => null))?.notifications?.enabled === true) return true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return false;
}

/** The notification state as our server knows it, and inside a client the "add GigaVibe" prompt to turn them on. */
function Notifications({ enabled }: { enabled: boolean }) {
  const [on, setOn] = useState(enabled);
  const [step, setStep] = useState<'idle' | 'asking' | 'declined' | 'pending'>('idle');
  const ask = async () => {
    setStep('asking');
    const answer = await addApp();
    if (!answer.notifications) {
      setStep('declined');
      return;
    }
    const confirmed = await serverNotifications();
    setOn(confirmed);
    setStep(confirmed ? 'idle' : 'pending');
  };
  if (on)
    return (
      <p class="notify notify-on" role="status" data-notifications="on">
        <span class="notify-dot" aria-hidden="true" />
        Notifications are on
      </p>
    );
  return (
    <div class="notify" data-notifications="off">
      <p>
        Notifications are off. Turn them on to hear when a set you backed gets its coin and when your trades confirm.
      </p>
      <button type="button" class="button" disabled={step === 'asking'} onClick={() => void ask()}>
        {step === 'asking' ? 'Waiting for Farcaster…' : 'Turn on notifications'}
      </button>
      {step === 'declined' && <p class="fine">Notifications were not turned on.</p>}
      {step === 'pending' && <p class="fine">Farcaster has not confirmed yet. Check again in a moment.</p>}
    </div>
  );
}

async function loadPortfolio(): Promise<State> {
  try {
    if (maybeInClient) {
      const me = await signedInFid().catch((error: unknown) => {
        if (error instanceof ApiError) throw error;
        throw new ApiError(401, 'sign-in failed', null);
      });
      if (me !== null)
        return {
          kind: 'ok',
          portfolio: await fetchPortfolio(me.fid),
          who: me.name,
          notifications: me.notifications,
        };
    }
    const wallet = await findWallet();
    if (wallet === null)
      return {
        kind: 'message',
        tone: 'info',
        text: 'Open GigaVibe in Farcaster, or connect a wallet, to see your coins.',
      };
    const address = await requestAccount(wallet.provider);
    return {
      kind: 'ok',
      portfolio: await fetchAddressPortfolio(address),
      who: `${address.slice(0, 6)}…${address.slice(-4)}`,
      notifications: null,
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.message === 'not found')
      return { kind: 'message', tone: 'info', text: 'Portfolios are not available on this server yet.' };
    if (error instanceof ApiError && error.status === 401)
      return {
        kind: 'message',
        tone: 'error',
        text: 'Signing in with Farcaster failed. Reopen the app and try again.',
      };
    const text = error instanceof ApiError ? error.message : 'Your portfolio could not be loaded.';
    return { kind: 'message', tone: 'error', text };
  }
}

function Pnl({ wei }: { wei: string | null }) {
  if (wei === null) return <span class="num">—</span>;
  const sign = wei.startsWith('-') ? 'down' : wei === '0' ? '' : 'up';
  return <span class={`num change ${sign}`}>{formatEth(wei, '')}</span>;
}

/** The user's coins across their verified addresses: value, cost, profit and loss, each linking to its performance. */
export function Portfolio() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    void loadPortfolio().then(setState);
  }, []);
  return (
    <section aria-labelledby="portfolio-heading">
      <h1 id="portfolio-heading" class="screen-title">
        Portfolio
      </h1>
      {state.kind === 'loading' && <SkeletonCards count={2} />}
      {state.kind === 'message' && <Notice tone={state.tone}>{state.text}</Notice>}
      {state.kind === 'ok' && (
        <>
          <div class="panel total">
            <p class="fine">{state.who}</p>
            <p class="big num">{formatEth(state.portfolio.totalValueWei)}</p>
            <p class="fine">at block {String(state.portfolio.blockNumber)}</p>
          </div>
          {state.notifications !== null && <Notifications enabled={state.notifications} />}
          {state.portfolio.items.length === 0 ? (
            <Notice>No coins yet. Buy one from a performance to see it here.</Notice>
          ) : (
            <ul class="holdings">
              {state.portfolio.items.map((item) => (
                <li key={item.coinAddress} class="card">
                  <a class="card-link" href={`/app/p/${item.castHash}`}>
                    <div class="row">
                      <h2 class="title">{item.title}</h2>
                      <span class="num">{formatEth(item.valueWei)}</span>
                    </div>
                    <p class="artist">
                      {artistName(item.artist)} · {formatCoins(item.balance)} ${item.symbol}
                    </p>
                    <dl class="stats small holding-stats">
                      <div>
                        <dt>Cost (ETH)</dt>
                        <dd class="num">{formatEth(item.costBasisWei, '')}</dd>
                      </div>
                      <div>
                        <dt>Unrealized (ETH)</dt>
                        <dd>
                          <Pnl wei={item.unrealizedPnlWei} />
                        </dd>
                      </div>
                      <div>
                        <dt>Realized (ETH)</dt>
                        <dd>
                          <Pnl wei={item.realizedPnlWei} />
                        </dd>
                      </div>
                    </dl>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
