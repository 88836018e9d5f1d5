import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { listenOnLoopback } from '../support/listenOnLoopback.ts';

/** Two local servers standing in for two Zora API hosts: each records the path and api-key header it received. */
const received: { server: 'a' | 'b'; path: string; headers: IncomingHttpHeaders }[] = [];
let a: { url: string; close(): Promise<void> };
let b: { url: string; close(): Promise<void> };

const standIn = (name: 'a' | 'b') =>
  createServer((req, res) => {
    received.push({ server: name, path: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });

beforeAll(async () => {
  a = await listenOnLoopback(standIn('a'));
  b = await listenOnLoopback(standIn('b'));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

/** A fresh copy of the module (its record of who configured what starts empty); coins-sdk's client is shared. */
let mod: typeof import('./configureZoraApi.ts');
beforeEach(async () => {
  received.length = 0;
  vi.resetModules();
  mod = await import('./configureZoraApi.ts');
});

/** Where coins-sdk's client sends a request now, and with which key (through loadZoraSdk, the only way the server
 * reaches coins-sdk: it applies the configured settings to the shared client before handing it out). */
const probe = async () => {
  const { apiPost } = await mod.loadZoraSdk();
  await apiPost('/probe', {});
  const last = received.at(-1);
  return { server: last?.server, apiKey: last?.headers['api-key'] };
};

describe('configureZoraApi', () => {
  it("points coins-sdk's shared client at the base URL and key", async () => {
    expect(mod.configureZoraApi('coins', { baseUrl: a.url, apiKey: 'key-1' })).toEqual({
      baseUrl: a.url,
      hasApiKey: true,
    });
    expect(await probe()).toEqual({ server: 'a', apiKey: 'key-1' });
  });

  it('accepts the same settings from the other part as a no-op', async () => {
    mod.configureZoraApi('coins', { baseUrl: a.url, apiKey: 'key-1' });
    expect(() => mod.configureZoraApi('trading', { baseUrl: a.url, apiKey: 'key-1' })).not.toThrow();
    expect(() => mod.configureZoraApi('coins', { baseUrl: a.url, apiKey: 'key-1' })).not.toThrow();
    expect(await probe()).toEqual({ server: 'a', apiKey: 'key-1' });
  });

  it('refuses another part that disagrees, naming what differs but never the key, and keeps the first settings', async () => {
    mod.configureZoraApi('coins', { baseUrl: a.url, apiKey: 'key-1' });
    const attempt = (settings: { baseUrl: string | undefined; apiKey: string | undefined }) => {
      try {
        mod.configureZoraApi('trading', settings);
        return null;
      } catch (error) {
        return error;
      }
    };
    const key = attempt({ baseUrl: a.url, apiKey: 'key-2' });
    expect(key).toBeInstanceOf(mod.ZoraApiConflictError);
    expect(key).toMatchObject({ name: 'Zora.ApiConflictError', message: expect.stringContaining('different API key') });
    expect(String((key as Error).message)).not.toContain('key-1');
    expect(String((key as Error).message)).not.toContain('key-2');
    expect(attempt({ baseUrl: b.url, apiKey: 'key-1' })).toMatchObject({
      message: expect.stringContaining('different base URL than coins'),
    });
    expect(attempt({ baseUrl: b.url, apiKey: undefined })).toMatchObject({
      message: expect.stringContaining('different base URL and API key'),
    });
    expect(await probe()).toEqual({ server: 'a', apiKey: 'key-1' });
  });

  it("lets a part replace its own settings (a rebuild, e.g. the Worker isolate's after ZORA_API_KEY changed)", async () => {
    mod.configureZoraApi('trading', { baseUrl: a.url, apiKey: 'old' });
    expect(mod.configureZoraApi('trading', { baseUrl: b.url, apiKey: undefined })).toEqual({
      baseUrl: b.url,
      hasApiKey: false,
    });
    expect(await probe()).toEqual({ server: 'b', apiKey: undefined });
    // ...but the other part must then agree with the new settings.
    expect(() => mod.configureZoraApi('coins', { baseUrl: a.url, apiKey: 'old' })).toThrow(mod.ZoraApiConflictError);
    expect(() => mod.configureZoraApi('coins', { baseUrl: b.url, apiKey: undefined })).not.toThrow();
  });

  it("treats an unset base URL as coins-sdk's default and an empty key as none", () => {
    expect(mod.configureZoraApi('coins', { baseUrl: undefined, apiKey: '' })).toEqual({
      baseUrl: mod.COINS_SDK_DEFAULT_BASE_URL,
      hasApiKey: false,
    });
    expect(() =>
      mod.configureZoraApi('trading', { baseUrl: mod.COINS_SDK_DEFAULT_BASE_URL, apiKey: undefined }),
    ).not.toThrow();
  });
});
