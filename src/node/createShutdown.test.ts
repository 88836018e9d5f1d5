import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../support/logger.ts';
import { closeServer, createShutdown } from './createShutdown.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (msg: string, fields?: Record<string, unknown>) => void lines.push(`${msg} ${JSON.stringify(fields)}`);
  return { ...createLogger('silent'), info: record, warn: record, error: record, lines };
}

describe('createShutdown', () => {
  it('runs the steps in order, each after the one before ends, once, then exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const step = (name: string, ms: number) => ({
      name,
      async run() {
        order.push(`${name}:start`);
        await sleep(ms);
        order.push(`${name}:end`);
      },
    });
    const stop = createShutdown({
      steps: [step('http', 20), step('writer', 0), step('jobs', 10), step('database', 0)],
      deadlineMs: 1000,
      logger: recordingLogger(),
      exit: (code) => void exits.push(code),
    });
    await Promise.all([stop('SIGTERM'), stop('SIGINT')]);
    expect(order).toEqual([
      'http:start',
      'http:end',
      'writer:start',
      'writer:end',
      'jobs:start',
      'jobs:end',
      'database:start',
      'database:end',
    ]);
    expect(exits).toEqual([0]);
  });

  it('logs a step that throws and goes on with the next', async () => {
    const ran: string[] = [];
    const exits: number[] = [];
    const logger = recordingLogger();
    const stop = createShutdown({
      steps: [
        {
          name: 'jobs',
          run() {
            throw new Error('jobs broke');
          },
        },
        { name: 'database', run: () => void ran.push('database') },
      ],
      deadlineMs: 1000,
      logger,
      exit: (code) => void exits.push(code),
    });
    await stop('SIGTERM');
    expect(ran).toEqual(['database']);
    expect(exits).toEqual([0]);
    expect(logger.lines.some((l) => l.startsWith('shutdown step failed') && l.includes('"step":"jobs"'))).toBe(true);
  });

  it('exits 1 at the deadline naming the step that hangs, and never runs the steps after it', async () => {
    const exits: number[] = [];
    const ran: string[] = [];
    const logger = recordingLogger();
    const stop = createShutdown({
      steps: [
        { name: 'drainer', run: () => new Promise<void>(() => {}) },
        { name: 'database', run: () => void ran.push('db') },
      ],
      deadlineMs: 50,
      logger,
      exit: (code) => void exits.push(code),
    });
    void stop('SIGTERM');
    await sleep(120);
    expect(exits).toEqual([1]);
    expect(ran).toEqual([]);
    expect(logger.lines.some((l) => l.startsWith('shutdown deadline passed') && l.includes('"step":"drainer"'))).toBe(
      true,
    );
  });
});

describe('closeServer', () => {
  it('lets a request in progress finish, refuses new connections, and closes what is left at the grace bound', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('done'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const slow = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': '4' } });
    const answer = new Promise<string>((resolve, reject) => {
      slow.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      slow.on('error', reject);
    });
    slow.write('ab');
    await sleep(50);
    const closed = closeServer(server, 2000);
    await sleep(50);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    slow.end('cd');
    expect(await answer).toBe('200 done');
    await closed;

    const hung = createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const hungPort = (hung.address() as AddressInfo).port;
    const never = fetch(`http://127.0.0.1:${hungPort}/`).catch(() => 'reset');
    await sleep(50);
    const started = Date.now();
    await closeServer(hung, 100);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await never).toBe('reset');
  });
});
