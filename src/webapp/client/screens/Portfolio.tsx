import { useEffect, useState } from 'preact/hooks';
import { ApiError, fetchAddressPortfolio, fetchPortfolio, readJson } from '../api.ts';
import { artistName, Notice, SkeletonCards } from '../components/ui.tsx';
import { authFetch, clientSession, maybeInClient } from '../farcaster.ts';
import { formatCoins, formatEth } from '../format.ts';
import type { Portfolio as PortfolioData } from '../types.ts';
import { findWallet, requestAccount } from '../wallet.ts';

type State =
  | { kind: 'loading' }
  | { kind: 'ok'; portfolio: PortfolioData; who: string }
  | { kind: 'message'; text: string; tone: 'info' | 'error' };

/** The signed-in user's fid: Quick Auth, checked by the server (`GET /api/me`). */
async function signedInFid(): Promise<{ fid: number; name: string } | null> {
  const session = await clientSession();
  if (session === null) return null;
  const me = await readJson<{ fid: number; user?: { username?: string | null } | null }>(await authFetch('/api/me'));
  return { fid: me.fid, name: me.user?.username ? `@${me.user.username}` : (session.user.username ?? `fid ${me.fid}`) };
}

async function loadPortfolio(): Promise<State> {
  try {
    if (maybeInClient) {
      const me = await signedInFid().catch((error: unknown) => {
        if (error instanceof ApiError) throw error;
        throw new ApiError(401, 'sign-in failed', null);
      });
      if (me !== null) return { kind: 'ok', portfolio: await fetchPortfolio(me.fid), who: me.name };
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
  return <span class={`num change ${sign}`}>{formatEth(wei)}</span>;
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
                    <dl class="stats small">
                      <div>
                        <dt>Cost</dt>
                        <dd class="num">{formatEth(item.costBasisWei)}</dd>
                      </div>
                      <div>
                        <dt>Unrealized</dt>
                        <dd>
                          <Pnl wei={item.unrealizedPnlWei} />
                        </dd>
                      </div>
                      <div>
                        <dt>Realized</dt>
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
