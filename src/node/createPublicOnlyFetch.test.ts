import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicOnlyFetch, isPublicAddress } from './createPublicOnlyFetch.ts';

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['127.5.6.7', false],
    ['0.0.0.0', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['198.18.0.1', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['fd00::1', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:a9fe:a9fe', false],
    ['64:ff9b::a9fe:a9fe', false],
    ['2002:7f00:1::', false],
    ['::ffff:8.8.8.8', true],
    ['localhost', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('lets loopback through only when asked (the devnet), and nothing else private', () => {
    expect(isPublicAddress('127.0.0.1', { allowLoopback: true })).toBe(true);
    expect(isPublicAddress('::1', { allowLoopback: true })).toBe(true);
    expect(isPublicAddress('10.0.0.1', { allowLoopback: true })).toBe(false);
    expect(isPublicAddress('169.254.169.254', { allowLoopback: true })).toBe(false);
  });
});

describe('createPublicOnlyFetch', () => {
  let server: Server;
  let port = 0;
  const received: { method: string | undefined; url: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, body });
        if (req.url === '/redirect') res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end();
        else res.writeHead(200, { 'content-type': 'application/json', 'x-extra': 'yes' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a name that resolves to loopback, and a loopback literal, before anything is sent', async () => {
    const guarded = createPublicOnlyFetch();
    const before = received.length;
    for (const url of [
      `http://localhost:${port}/x`,
      `http://127.0.0.1:${port}/x`,
      `http://[::ffff:127.0.0.1]:${port}/`,
    ]) {
      await expect(guarded(url, { method: 'POST', body: '{}' }), url).rejects.toMatchObject({
        name: 'NotificationFetch.PrivateAddressError',
      });
    }
    expect(received.length).toBe(before);
  });

  it('with loopback allowed (devnet), POSTs the body and answers a readable Response; a redirect is returned, not followed', async () => {
    const guarded = createPublicOnlyFetch({ allowLoopback: true });
    const res = await guarded(`http://localhost:${port}/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"tokens":["t"]}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-extra')).toBe('yes');
    expect(await res.json()).toEqual({ ok: true });
    expect(received.at(-1)).toEqual({ method: 'POST', url: '/notify', body: '{"tokens":["t"]}' });
    const redirected = await guarded(`http://127.0.0.1:${port}/redirect`, { method: 'POST', body: '{}' });
    expect(redirected.status).toBe(307);
    expect(received.at(-1)?.url).toBe('/redirect');
  });

  it('honours an abort signal', async () => {
    const guarded = createPublicOnlyFetch({ allowLoopback: true });
    await expect(
      guarded(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}', signal: AbortSignal.abort() }),
    ).rejects.toThrow();
  });
});
