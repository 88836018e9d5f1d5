import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castDeleted, castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import { coinMetadataUrl } from '../src/coins/coinMetadataUrl.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { deliverToStore } from './support/deliverToStore.ts';
import { type TestApp, testApp } from './support/testApp.ts';

describe('coinMetadataUrl', () => {
  it('is the stable route path under the public URL, lowercased, without a double slash', () => {
    expect(coinMetadataUrl('https://gv.example/', '0xABCDEF0000000000000000000000000000000001')).toBe(
      'https://gv.example/api/performances/0xabcdef0000000000000000000000000000000001/coin-metadata.json',
    );
  });
});

describe.each(databaseTargets())(
  'GET /api/performances/:castHash/coin-metadata.json on $name',
  (target: DatabaseTarget) => {
    let db: TestDatabase;
    let app: TestApp;
    const artist = user(8100, { display_name: 'Nina Vox' });

    beforeAll(async () => {
      db = await target.create();
      app = testApp(db);
    });
    afterAll(async () => {
      await db.close();
    });

    it('serves Zora coin metadata with Content-Type exactly application/json', async () => {
      const hash = castHash(1, 'd');
      await deliverToStore(db.stores.ingest, [performanceCast(hash, artist)]);
      const res = await app.app.request(`/api/performances/${hash}/coin-metadata.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        name: `Live take ${hash.slice(2, 8)}`,
        image: 'https://example.com/pfp/8100.png',
        animation_url: `https://cdn.example.com/audio/${hash}.mp3`,
        content: { uri: `https://cdn.example.com/audio/${hash}.mp3`, mime: 'audio/mpeg' },
      });
      expect(body.description).toContain('Nina Vox');
    });

    it('never serves a hostile profile picture as the image, and percent-encodes the username in external_url', async () => {
      const hash = castHash(4, 'd');
      const hostile = user(8101, {
        username: 'evil/../x?"<b>',
        pfp_url: 'data:text/html,<script>alert(document.cookie)</script>',
      });
      await deliverToStore(db.stores.ingest, [performanceCast(hash, hostile)]);
      const res = await app.app.request(`/api/performances/${hash}/coin-metadata.json`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { image: string; external_url?: string };
      expect(body.image).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(JSON.stringify(body)).not.toContain('<script>');
      expect(body.external_url).toBe(`https://farcaster.xyz/evil%2F..%2Fx%3F%22%3Cb%3E/${hash.slice(0, 10)}`);

      const svgPfp = castHash(5, 'd');
      const svgArtist = user(8102, { pfp_url: 'data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+' });
      await deliverToStore(db.stores.ingest, [performanceCast(svgPfp, svgArtist)]);
      const svgBody = (await (await app.app.request(`/api/performances/${svgPfp}/coin-metadata.json`)).json()) as {
        image: string;
      };
      expect(svgBody.image).not.toContain('PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+');
    });

    it('answers 404 for an unknown and for a deleted performance, 400 for a malformed hash', async () => {
      expect((await app.get(`/api/performances/${castHash(2, 'd')}/coin-metadata.json`)).status).toBe(404);
      const hash = castHash(3, 'd');
      await deliverToStore(db.stores.ingest, [performanceCast(hash, artist)]);
      expect((await app.get(`/api/performances/${hash}/coin-metadata.json`)).status).toBe(200);
      await deliverToStore(db.stores.ingest, [castDeleted(hash)]);
      expect((await app.get(`/api/performances/${hash}/coin-metadata.json`)).status).toBe(404);
      expect((await app.get('/api/performances/0x12/coin-metadata.json')).status).toBe(400);
    });
  },
);
