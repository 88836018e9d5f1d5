/** A Farcaster client in miniature for the browser tests: it embeds the mini app in an iframe on another origin and
 * answers its SDK through @farcaster/miniapp-host's `exposeToIframe` (the library Farcaster clients use), with a
 * context (fid), sign-in (a SIWE message signed by the test's account, for the Quick Auth server), and an EIP-1193
 * wallet whose requests the test answers from Node (forwarded to the devnet). Everything the app asks of its host is
 * recorded in `window.hostEvents` for the test to read. Bundled with esbuild by scripts/browser/hostPage.ts. */
import { AddMiniApp } from '@farcaster/miniapp-core';
import { exposeToIframe, type MiniAppHost } from '@farcaster/miniapp-host';

interface RpcAnswer {
  result?: unknown;
  error?: { code: number; message: string };
}

interface HostWindow {
  /** Set by the test (Playwright exposeFunction): the wallet's answer to one EIP-1193 request. */
  hostRpc(request: { method: string; params?: unknown }): Promise<RpcAnswer>;
  /** Set by the test: a SIWE message for this nonce and domain, and its signature. */
  hostSignIn(nonce: string, domain: string): Promise<{ message: string; signature: string }>;
  /** Set by the test when it plays the client's server: the user answered the "add" prompt; when accepted, the client
   * has sent our webhook its signed miniapp_added event and answers the notification details it named. */
  hostAddMiniApp?(): Promise<{ accepted: boolean; notificationDetails?: { url: string; token: string } }>;
  hostEvents: { name: string; detail?: unknown; at: number }[];
}

const host = window as unknown as HostWindow;
host.hostEvents = [];
const record = (name: string, detail?: unknown) => host.hostEvents.push({ name, detail, at: performance.now() });

const params = new URLSearchParams(location.search);
const appUrl = params.get('app') ?? '';
const fid = Number(params.get('fid') ?? '0');
const bottomInset = Number(params.get('inset') ?? '0');
// Exactly the app's origin: with a trailing slash (or a path) comlink drops every message and the app hangs silently.
const miniAppOrigin = new URL(appUrl).origin;

const iframe = document.createElement('iframe');
iframe.src = appUrl;
iframe.title = 'Mini app';
iframe.allow = 'clipboard-write';
document.body.append(iframe);

const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
const ethProvider = {
  async request({ method, params: requestParams }: { method: string; params?: unknown }) {
    record('eth', method);
    const answer = await host.hostRpc({ method, params: requestParams });
    // `details` carries the message through the SDK (it rebuilds other codes' errors from code and details only).
    if (answer.error)
      throw Object.assign(new Error(answer.error.message), { code: answer.error.code, details: answer.error.message });
    return answer.result;
  },
  on(event: string, listener: (...args: unknown[]) => void) {
    const set = listeners.get(event) ?? new Set();
    set.add(listener);
    listeners.set(event, set);
  },
  removeListener(event: string, listener: (...args: unknown[]) => void) {
    listeners.get(event)?.delete(listener);
  },
};

/** The "add GigaVibe" prompt as a client answers it: recorded; then, when the test plays the client's server, accepted
 * with notification details (after the signed webhook event went out) or rejected by the user. */
async function addMiniApp() {
  record('addMiniApp');
  if (host.hostAddMiniApp === undefined) return {};
  const answer = await host.hostAddMiniApp();
  if (!answer.accepted) throw new AddMiniApp.RejectedByUser();
  return answer.notificationDetails === undefined ? {} : { notificationDetails: answer.notificationDetails };
}

const sdk: Omit<MiniAppHost, 'ethProviderRequestV2'> = {
  context: {
    user: { fid, username: 'tester', displayName: 'Test Listener' },
    client: { clientFid: 9152, added: false, safeAreaInsets: { top: 0, bottom: bottomInset, left: 0, right: 0 } },
    location: { type: 'launcher' },
  },
  ready: async () => {
    record('ready');
  },
  close: () => record('close'),
  openUrl: (url: string) => record('openUrl', url),
  signIn: async ({ nonce }: { nonce: string }) => {
    const signed = await host.hostSignIn(nonce, new URL(appUrl).host);
    record('signIn');
    return { ...signed, authMethod: 'custody' as const };
  },
  signManifest: async () => {
    throw new Error('not supported');
  },
  setPrimaryButton: () => undefined,
  ethProviderRequest: async () => {
    throw new Error('use ethProviderRequestV2');
  },
  addFrame: () => addMiniApp(),
  addMiniApp: () => addMiniApp(),
  viewCast: async () => undefined,
  viewProfile: async () => undefined,
  viewToken: async (options: unknown) => {
    record('viewToken', options);
    return undefined as never;
  },
  sendToken: async () => {
    throw new Error('not supported');
  },
  swapToken: async () => {
    throw new Error('not supported');
  },
  openMiniApp: async () => undefined,
  composeCast: (async (options: unknown) => {
    record('composeCast', options);
    return { cast: null };
  }) as MiniAppHost['composeCast'],
  requestCameraAndMicrophoneAccess: async () => undefined,
  impactOccurred: async () => undefined,
  notificationOccurred: async () => undefined,
  selectionChanged: async () => undefined,
  // Without 'wallet.getEthereumProvider' here the SDK hands the app no provider at all.
  getCapabilities: async () => [
    'wallet.getEthereumProvider',
    'actions.ready',
    'actions.signIn',
    'actions.composeCast',
    'actions.viewToken',
    'actions.addMiniApp',
    'actions.openUrl',
  ],
  getChains: async () => ['eip155:8453'],
  updateBackState: async () => undefined,
} as unknown as Omit<MiniAppHost, 'ethProviderRequestV2'>;

exposeToIframe({
  iframe,
  sdk,
  miniAppOrigin,
  ethProvider: ethProvider as unknown as Parameters<typeof exposeToIframe>[0]['ethProvider'] & object,
});
record('exposed', miniAppOrigin);
