import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import {
  capNodeServer,
  type NodeServerLimits,
  nodeServerOptions,
  PUBLIC_NODE_SERVER_LIMITS,
} from './nodeServerLimits.ts';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function start(limits: NodeServerLimits): Promise<number> {
  const app = new Hono().get('/', (c) => c.text('ok'));
  const server = await new Promise<Server>((resolve) => {
    const s = serve(
      { fetch: app.fetch, port: 0, hostname: '127.0.0.1', serverOptions: nodeServerOptions(limits) },
      () => resolve(s as Server),
    ) as Server;
  });
  capNodeServer(server, limits);
  servers.push(server);
  return (server.address() as { port: number }).port;
}

function open(port: number): Promise<{ socket: Socket; closed: Promise<number>; received: () => string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = '';
    const socket = connect(port, '127.0.0.1', () =>
      resolve({
        socket,
        closed: new Promise((done) => socket.once('close', () => done(Date.now() - started))),
        received: () => data,
      }),
    );
    socket.on('data', (chunk) => {
      data += chunk.toString();
    });
    socket.on('error', () => {});
    socket.once('error', reject);
    sockets.push(socket);
  });
}

const small: NodeServerLimits = {
  ...PUBLIC_NODE_SERVER_LIMITS,
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
  checkIntervalMs: 100,
};

describe('nodeServerOptions / capNodeServer', () => {
  it('drops a client that trickles its headers (slowloris) once headersTimeout passes', async () => {
    const port = await start(small);
    const client = await open(port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => client.socket.write('X-Slow: 1\r\n'), 100);
    const after = await client.closed;
    clearInterval(timer);
    expect(after).toBeLessThan(3_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('drops a client that never finishes its body once requestTimeout passes', async () => {
    const port = await start(small);
    const client = await open(port);
    client.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc');
    expect(await client.closed).toBeLessThan(3_000);
  });

  it('closes connections beyond maxConnections and still serves the others', async () => {
    const port = await start({ ...small, maxConnections: 3 });
    const held = await Promise.all([open(port), open(port), open(port)]);
    const extra = await open(port);
    expect(await extra.closed).toBeLessThan(2_000);
    const first = held[0];
    if (first === undefined) throw new Error('no connection');
    first.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => first.received(), { timeout: 2_000 }).toMatch(/\r\n\r\nok$/);
  });

  it('sets public limits far below Node defaults (300 s per request, unlimited connections)', () => {
    const options = nodeServerOptions();
    expect(options.requestTimeout).toBeLessThanOrEqual(30_000);
    expect(options.headersTimeout).toBeLessThanOrEqual(10_000);
    expect(Number.isFinite(PUBLIC_NODE_SERVER_LIMITS.maxConnections)).toBe(true);
  });
});
