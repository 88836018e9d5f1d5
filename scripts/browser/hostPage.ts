/** The Farcaster client of the browser tests and of `npm run bench:miniapp`: serves scripts/browser/host/hostPage.ts
 * (bundled with esbuild) from its own origin, and answers the hosted app's wallet and sign-in requests from Node: an
 * anvil account that signs with its own key and forwards everything else to the devnet, with switches for the failures
 * a real wallet produces. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createWalletClient, type Hex, http } from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';

export interface HostPageServer {
  origin: string;
  close(): Promise<void>;
}

/** Serve the host page on 127.0.0.1 (the app runs on localhost: another origin, as inside a real client). */
export async function startHostPageServer(): Promise<HostPageServer> {
  const esbuild = await import('esbuild');
  const bundle = await esbuild.build({
    entryPoints: [path.resolve(import.meta.dirname, './host/hostPage.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  const html = `<!doctype html><meta charset="utf-8"><title>Test Farcaster client</title>
<style>html,body{margin:0;height:100%;background:#000}iframe{border:0;width:100%;height:100vh;display:block}</style>
<script type="module" src="/host.js"></script>`;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/host.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** How the test's wallet behaves: like a healthy wallet by default, or refusing in the ways real ones do. */
export interface WalletBehaviour {
  /** The user presses Reject on the transaction (EIP-1193 4001). */
  rejectSend?: boolean;
  /** Report this chain instead of the devnet's, until a switch succeeds. */
  reportChainId?: number;
  /** wallet_switchEthereumChain fails (4902: the wallet does not know the chain). */
  refuseSwitch?: boolean;
  /** The node refuses the transaction for lack of funds (its JSON-RPC error). */
  insufficientFunds?: boolean;
}

export interface HostWallet {
  account: PrivateKeyAccount;
  behaviour: WalletBehaviour;
  /** Every method the app asked for, in order. */
  calls: string[];
  sent: Hex[];
  answer(request: {
    method: string;
    params?: unknown;
  }): Promise<{ result?: unknown; error?: { code: number; message: string } }>;
}

export function createHostWallet(rpcUrl: string, privateKey: Hex, chainId: number): HostWallet {
  const account = privateKeyToAccount(privateKey);
  const client = createWalletClient({ account, transport: http(rpcUrl) });
  let rpcId = 0;
  const forward = async (method: string, params: unknown) => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params: params ?? [] }),
    });
    return (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
  };
  const wallet: HostWallet = {
    account,
    behaviour: {},
    calls: [],
    sent: [],
    async answer({ method, params }) {
      wallet.calls.push(method);
      const b = wallet.behaviour;
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return { result: [account.address] };
        case 'eth_chainId':
          return { result: `0x${(b.reportChainId ?? chainId).toString(16)}` };
        case 'wallet_switchEthereumChain': {
          if (b.refuseSwitch) return { error: { code: 4902, message: 'Unrecognized chain ID' } };
          delete b.reportChainId;
          return { result: null };
        }
        case 'eth_sendTransaction': {
          if (b.rejectSend) return { error: { code: 4001, message: 'User rejected the request.' } };
          if (b.insufficientFunds)
            return { error: { code: -32000, message: 'insufficient funds for gas * price + value' } };
          const [tx] = params as [{ to: Hex; data: Hex; value?: Hex }];
          const hash = await client.sendTransaction({
            chain: null,
            to: tx.to,
            data: tx.data,
            value: BigInt(tx.value ?? '0x0'),
          });
          wallet.sent.push(hash);
          return { result: hash };
        }
        default:
          return forward(method, params);
      }
    },
  };
  return wallet;
}

export interface HostedApp {
  page: Page;
  /** What the app asked of its host (ready, signIn, composeCast, ...), with times in ms since the host page loaded. */
  events(): Promise<{ name: string; detail?: unknown; at: number }[]>;
}

/** Open `appUrl` inside the host page as user `fid`, with `wallet` as the client's wallet. */
export async function openInHost(
  browser: Browser,
  server: HostPageServer,
  options: {
    appUrl: string;
    fid: number;
    wallet: HostWallet;
    width?: number;
    colorScheme?: 'light' | 'dark';
    /** The user's answer to the "add" prompt, as the client's server gives it (after sending its webhook event);
     * unset: the prompt is accepted without notifications and nothing is sent. */
    onAddMiniApp?: () => Promise<{ accepted: boolean; notificationDetails?: { url: string; token: string } }>;
  },
): Promise<HostedApp> {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 390, height: 844 },
    colorScheme: options.colorScheme ?? 'light',
  });
  await page.exposeFunction('hostRpc', (request: { method: string; params?: unknown }) =>
    options.wallet.answer(request),
  );
  await page.exposeFunction('hostSignIn', async (nonce: string, domain: string) => {
    const message = createSiweMessage({
      domain,
      address: options.wallet.account.address,
      uri: `http://${domain}/`,
      version: '1',
      chainId: 10,
      nonce,
      issuedAt: new Date(),
      expirationTime: new Date(Date.now() + 10 * 60 * 1000),
      resources: [`farcaster://fid/${options.fid}`],
    });
    return { message, signature: await options.wallet.account.signMessage({ message }) };
  });
  if (options.onAddMiniApp !== undefined) await page.exposeFunction('hostAddMiniApp', options.onAddMiniApp);
  const query = new URLSearchParams({ app: options.appUrl, fid: String(options.fid), inset: '20' });
  await page.goto(`${server.origin}/?${query}`);
  return {
    page,
    events: () =>
      page.evaluate(() => (globalThis as unknown as { hostEvents: { name: string; at: number }[] }).hostEvents),
  };
}
