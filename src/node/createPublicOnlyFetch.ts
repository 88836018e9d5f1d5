import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { Readable } from 'node:stream';

/** A request refused because its host is, or resolves to, an address that is not on the public internet. */
export class PrivateAddressError extends Error {
  override name = 'NotificationFetch.PrivateAddressError';
}

/** Addresses a notification client on the public internet never has: this host, private networks, link-local (cloud
 * metadata services), carrier-grade NAT, benchmarking, documentation, multicast and reserved ranges; IPv6 unique-local,
 * link-local, multicast and documentation; IPv4 reached through IPv6 (mapped, NAT64, 6to4) is checked as IPv4. */
const PRIVATE_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const PRIVATE_V6: [string, number][] = [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
];
const blocked = new BlockList();
for (const [net, prefix] of PRIVATE_V4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of PRIVATE_V6) blocked.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
function embeddedV4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted?.[1] !== undefined) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(lower);
  const parts = hex ?? sixToFour;
  if (parts?.[1] === undefined || parts[2] === undefined) return null;
  const high = Number.parseInt(parts[1], 16);
  const low = Number.parseInt(parts[2], 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Whether `address` (an IP literal) is on the public internet; loopback is allowed with `allowLoopback`. Pure. */
export function isPublicAddress(address: string, options: { allowLoopback?: boolean } = {}): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const v4 = family === 4 ? address : embeddedV4(address);
  if (options.allowLoopback === true && (v4?.startsWith('127.') === true || address === '::1')) return true;
  if (v4 !== null) return !blocked.check(v4, 'ipv4');
  return !blocked.check(address, 'ipv6');
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup for the connection itself, refusing the whole answer if any address is not public: the address checked
 * is the address connected to, so a name that resolves differently between a check and the connection (DNS
 * rebinding) gains nothing. */
function publicOnlyLookup(allowLoopback: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((a) => !isPublicAddress(a.address, { allowLoopback }));
      if (refused !== undefined || addresses.length === 0) {
        return callback(
          Object.assign(new PrivateAddressError(`${hostname} resolves to a non-public address`), { code: 'EPRIVATE' }),
          [],
        );
      }
      if (options.all === true) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/** A fetch for the notification sender (Node host): the request goes only to public addresses, checked on the
 * addresses the connection uses (IP literals directly, names through the lookup); otherwise it rejects with
 * PrivateAddressError. No redirect is followed (the sender asks for none), no proxy. What it
 * takes of fetch: method, headers, a string body, signal. `allowLoopback`: the devnet's local stand-ins. */
export function createPublicOnlyFetch(options: { allowLoopback?: boolean } = {}): typeof fetch {
  const allowLoopback = options.allowLoopback === true;
  const lookup = publicOnlyLookup(allowLoopback) as never;
  // Connections are kept alive and reused (a TLS handshake per batch would cost more than the batch); every new
  // connection goes through the checking lookup.
  const agents = {
    'https:': new https.Agent({ keepAlive: true, maxSockets: 16, lookup }),
    'http:': new http.Agent({ keepAlive: true, maxSockets: 16, lookup }),
  };
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PrivateAddressError('not an http(s) URL');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !isPublicAddress(host, { allowLoopback })) {
      throw new PrivateAddressError(`${host} is not a public address`);
    }
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const transport = url.protocol === 'https:' ? https : http;
    const protocol: 'https:' | 'http:' = url.protocol;
    return new Promise<Response>((resolve, reject) => {
      const request = transport.request(
        url,
        { method: init.method ?? 'GET', headers, agent: agents[protocol], ...(signal ? { signal } : {}) },
        (res) => {
          const status = res.statusCode ?? 502;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          const nullBody = [204, 205, 304].includes(status);
          if (nullBody) res.resume();
          resolve(
            new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status: status < 200 || status > 599 ? 502 : status,
              headers: responseHeaders,
            }),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }) as typeof fetch;
}
