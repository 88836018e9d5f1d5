/** The server side of the browser tests' Farcaster client: what a client's backend does when a user adds a mini app or
 * changes its notifications. It signs the event with the user's app key in that client (a JSON Farcaster Signature,
 * `@farcaster/miniapp-node`'s `createJsonFarcasterSignature`, Ed25519 over `header.payload`) and POSTs it to the
 * `webhookUrl` the app's manifest names, as the spec's events are delivered. The app key is a development signer
 * registered for the fid in `DATA_DIR/devnet` (scripts/devnet/devFarcasterSigners.ts), which `npm start`'s server
 * checks as the hub would.
 *
 * What it cannot prove: how a real client retries a refused delivery, and its own token format (tokens here are
 * random). */
import { randomBytes } from 'node:crypto';
import { createJsonFarcasterSignature } from '@farcaster/miniapp-node';
import { hexToBytes } from 'viem';
import { loadDevFarcasterSigner } from '../devnet/devFarcasterSigners.ts';

export type ClientEvent =
  | { event: 'miniapp_added'; notificationDetails?: { url: string; token: string } }
  | { event: 'notifications_enabled'; notificationDetails: { url: string; token: string } }
  | { event: 'notifications_disabled' }
  | { event: 'miniapp_removed' };

/** One delivery to the app's webhook: the exact signed body, and what the app answered. */
export interface ClientDelivery {
  event: ClientEvent;
  body: { header: string; payload: string; signature: string };
  status: number;
  answer: unknown;
}

export interface FarcasterClientServer {
  fid: number;
  /** Sign `event` with the user's app key and deliver it to the manifest's webhookUrl. */
  send(event: ClientEvent): Promise<ClientDelivery>;
  /** POST a body exactly as given (a captured delivery, replayed). */
  replay(body: ClientDelivery['body']): Promise<{ status: number; answer: unknown }>;
  /** The user accepts the "add" prompt with notifications: a new token at `notificationUrl`, delivered as
   * miniapp_added; answers what the client hands the app (`notificationDetails`) and the delivery. */
  acceptAdd(notificationUrl: string): Promise<{ notificationDetails: { url: string; token: string } } & ClientDelivery>;
  deliveries: ClientDelivery[];
}

/** The client's server for user `fid` of the app at `appOrigin` (its manifest is read on first use). */
export async function createFarcasterClientServer(options: {
  appOrigin: string;
  dataDir: string;
  fid: number;
}): Promise<FarcasterClientServer> {
  const signer = await loadDevFarcasterSigner(options.dataDir, options.fid);
  const privateKey = hexToBytes(signer.privateKey);
  let webhookUrl: string | undefined;
  const deliveries: ClientDelivery[] = [];

  const post = async (body: ClientDelivery['body']) => {
    if (webhookUrl === undefined) {
      const manifest = (await (await fetch(`${options.appOrigin}/.well-known/farcaster.json`)).json()) as {
        miniapp: { webhookUrl: string };
      };
      webhookUrl = manifest.miniapp.webhookUrl;
    }
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, answer: await response.json().catch(() => null) };
  };

  const client: FarcasterClientServer = {
    fid: options.fid,
    deliveries,
    async send(event) {
      const body = createJsonFarcasterSignature({
        fid: options.fid,
        type: 'app_key',
        privateKey,
        payload: new TextEncoder().encode(JSON.stringify(event)),
      });
      const delivery = { event, body, ...(await post(body)) };
      deliveries.push(delivery);
      return delivery;
    },
    replay: post,
    async acceptAdd(notificationUrl) {
      const notificationDetails = { url: notificationUrl, token: `tok-${randomBytes(16).toString('hex')}` };
      const delivery = await client.send({ event: 'miniapp_added', notificationDetails });
      return { ...delivery, notificationDetails };
    },
  };
  return client;
}
