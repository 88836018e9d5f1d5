import { sdk } from '@farcaster/miniapp-sdk';
import { boot } from './api.ts';
import type { Eip1193Provider } from './wallet.ts';

/** The Farcaster user as the client reports it (unauthenticated: shown, never trusted by the server). */
export interface ContextUser {
  fid: number;
  username?: string | undefined;
  displayName?: string | undefined;
  pfpUrl?: string | undefined;
}

export interface ClientSession {
  user: ContextUser;
  added: boolean;
  insets: { top: number; bottom: number; left: number; right: number } | null;
}

/** True when the page may be inside a Farcaster client (an iframe or a React Native web view). In a top-level browser
 * tab it is false at once, and the SDK is never asked anything. */
export const maybeInClient =
  typeof window !== 'undefined' &&
  (window.parent !== window || (window as { ReactNativeWebView?: unknown }).ReactNativeWebView !== undefined);

let readyCalled = false;

/** Tell the client the first screen is painted (hides its splash screen). Called once, after the paint. */
export function signalReady(): void {
  if (readyCalled || !maybeInClient) return;
  readyCalled = true;
  // For the budget's benchmark (npm run bench:miniapp): when ready() went out, in the page's own clock.
  performance.mark('miniapp:ready');
  void sdk.actions.ready().catch(() => undefined);
}

let session: Promise<ClientSession | null> | undefined;

/** The client's context (user, whether the app is added, safe-area insets); null outside a client. */
export function clientSession(): Promise<ClientSession | null> {
  session ??= (async () => {
    if (!maybeInClient || !(await sdk.isInMiniApp())) return null;
    const context = await sdk.context;
    return {
      user: context.user,
      added: context.client.added,
      insets: context.client.safeAreaInsets ?? null,
    };
  })().catch(() => null);
  return session;
}

/** A Quick Auth session token from the client (signs in once, cached by the SDK until shortly before it expires). */
export async function quickAuthToken(): Promise<string> {
  const options = boot.quickAuthOrigin === null ? {} : { quickAuthServerOrigin: boot.quickAuthOrigin };
  const { token } = await sdk.quickAuth.getToken(options);
  return token;
}

/** fetch with `Authorization: Bearer <Quick Auth token>`. */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const token = await quickAuthToken();
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(path, { ...init, headers });
}

/** The client's wallet (undefined when the client offers none). */
export async function clientWallet(): Promise<Eip1193Provider | undefined> {
  const provider = await sdk.wallet.getEthereumProvider();
  return provider as Eip1193Provider | undefined;
}

/** Open the client's composer with the performance's share page as the embed. */
export async function shareCast(text: string, url: string): Promise<void> {
  await sdk.actions.composeCast({ text, embeds: [url] });
}

export async function viewToken(chainId: number, address: string): Promise<void> {
  await sdk.actions.viewToken({ token: `eip155:${chainId}/erc20:${address}` });
}

/** What the client answered the "add GigaVibe" prompt: added (or not), and whether it enabled notifications. */
export interface AddAppResult {
  added: boolean;
  notifications: boolean;
}

/** Ask the client to add the app (its prompt also offers notifications). Not added when the user declined, the
 * client refused (e.g. no valid manifest on this domain) or it failed. */
export async function addApp(): Promise<AddAppResult> {
  try {
    const result = await sdk.actions.addMiniApp();
    return { added: true, notifications: result.notificationDetails !== undefined };
  } catch {
    return { added: false, notifications: false };
  }
}

export async function openUrl(url: string): Promise<void> {
  await sdk.actions.openUrl(url);
}
