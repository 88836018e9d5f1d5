/** Demo data delivered the way real engagement arrives: Neynar-shaped payloads, parsed by the webhook's own parser,
 * committed to the inbox and applied by the same drainer, so counts, viral scores and unique engagers agree (seeding
 * counters directly showed 42 likes with a viral score of 0). Used by the development host on a fresh embedded
 * database and by `npm run db:seed`. Re-running it changes no count: a reaction is state, not an increment. */
import { createHash } from 'node:crypto';
import { silentLogger } from '../../src/support/logger.ts';
import { createInboxDrainer } from '../../src/webhooks/createInboxDrainer.ts';
import type { IngestStore } from '../../src/webhooks/createIngestStore.ts';
import { parseNeynarEvent } from '../../src/webhooks/parseNeynarEvent.ts';
import { castCreated, reaction, type UserShape, user } from '../neynarPayloads.ts';

/** Demo artists have no wallet: their performances may go viral (Lena's does at the default threshold), and a coin job
 * for one then waits for a payout address instead of minting a coin paid out to a made-up address, on any database
 * the demo is delivered to. */
function demoArtist(fid: number, username: string, displayName: string): UserShape {
  const { custody_address: _noWallet, ...artist } = user(fid, { username, display_name: displayName });
  return artist;
}

/** One demo performance: who, what, and how much engagement it gets. */
interface DemoPerformance {
  hash: string;
  artist: UserShape;
  title: string;
  audio: { url: string; contentType: string };
  hoursAgo: number;
  likes: number;
  recasts: number;
  replies: number;
}

const DEMO: DemoPerformance[] = [
  {
    hash: '0x00000000000000000000000000000000000d0001',
    artist: demoArtist(900001, 'demo-lena', 'Lena Sounds'),
    title: 'Reality Check (live at the pier)',
    audio: { url: 'https://example.com/demo/reality-check.mp3', contentType: 'audio/mpeg' },
    hoursAgo: 3,
    likes: 42,
    recasts: 7,
    replies: 5,
  },
  {
    hash: '0x00000000000000000000000000000000000d0002',
    artist: demoArtist(900002, 'demo-ravi', 'Ravi Keys'),
    title: 'Night drive in C minor',
    audio: { url: 'https://example.com/demo/night-drive.m4a', contentType: 'audio/mp4' },
    hoursAgo: 2,
    likes: 18,
    recasts: 3,
    replies: 2,
  },
  {
    hash: '0x00000000000000000000000000000000000d0003',
    artist: demoArtist(900003, 'demo-mo', 'Mo Strings'),
    title: 'Three chords and the truth',
    audio: { url: 'https://example.com/demo/three-chords.ogg', contentType: 'audio/ogg' },
    hoursAgo: 1,
    likes: 5,
    recasts: 1,
    replies: 0,
  },
];

/** A listener of the demo: fids 910000+, with Neynar scores spread between 0.5 and 0.95. */
function fan(n: number): UserShape {
  return user(910_000 + n, { username: `demo-fan-${n}`, display_name: `Fan ${n}`, score: 0.5 + ((n * 37) % 46) / 100 });
}

/** The demo's Neynar payloads, in arrival order, relative to `now`. */
export function demoPayloads(channelUrl: string, now: Date): unknown[] {
  const payloads: unknown[] = [];
  let replyCount = 0;
  for (const demo of DEMO) {
    const castAt = now.getTime() - demo.hoursAgo * 3_600_000;
    payloads.push(
      castCreated({
        hash: demo.hash,
        author: demo.artist,
        text: demo.title,
        at: castAt,
        parentUrl: channelUrl,
        embeds: [{ url: demo.audio.url, metadata: { content_type: demo.audio.contentType } }],
      }),
    );
    const step = (demo.hoursAgo * 3_600_000) / (demo.likes + demo.recasts + demo.replies + 1);
    let at = castAt;
    for (let i = 0; i < demo.likes; i++) {
      at += step;
      payloads.push(reaction({ kind: 'created', type: 1, castHash: demo.hash, reactor: fan(i), at }));
    }
    for (let i = 0; i < demo.recasts; i++) {
      at += step;
      payloads.push(reaction({ kind: 'created', type: 2, castHash: demo.hash, reactor: fan(i * 3), at }));
    }
    for (let i = 0; i < demo.replies; i++) {
      at += step;
      replyCount++;
      payloads.push(
        castCreated({
          // 0x…dec001 and up: clear of the hashes the README and `npm run send-sample` use (0x…e0001).
          hash: `0x${(0xdec000 + replyCount).toString(16).padStart(40, '0')}`,
          author: fan(i * 5 + 1),
          text: 'so good',
          at,
          parentHash: demo.hash,
        }),
      );
    }
  }
  return payloads;
}

/** Deliver the demo through the inbox and apply it; answers how many events were applied. */
export async function seedDemo(
  store: Pick<IngestStore, 'ingestDeliveries' | 'applyInbox'>,
  options: { channelUrl: string; now?: Date },
): Promise<number> {
  const now = options.now ?? new Date();
  const deliveries = demoPayloads(options.channelUrl, now).map((payload) => {
    const rawBody = JSON.stringify(payload);
    const parsed = parseNeynarEvent(payload, { performanceChannelUrl: options.channelUrl, receivedAt: now });
    if (!parsed.ok) throw new Error(`demo payload refused by the webhook parser: ${parsed.reason}`);
    const sha256 = createHash('sha256').update(rawBody).digest('hex');
    return { sha256, rawBody, eventType: parsed.type, event: parsed.event };
  });
  await store.ingestDeliveries(deliveries);
  const { applied } = await createInboxDrainer(store, silentLogger).drain();
  return applied;
}
