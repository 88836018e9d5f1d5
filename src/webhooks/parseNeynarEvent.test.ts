import { describe, expect, it } from 'vitest';
import {
  castCreated,
  castDeleted,
  performanceCast,
  reaction,
  user,
  userUpdated,
} from '../../scripts/neynarPayloads.ts';
import { parseNeynarEvent } from './parseNeynarEvent.ts';

const options = {
  performanceChannelUrl: 'https://farcaster.xyz/~/channel/gigavibe',
  receivedAt: new Date('2026-01-01T00:00:00Z'),
};
const HASH = `0x${'AB'.repeat(20)}`;

describe('parseNeynarEvent', () => {
  it('normalises a like with the reactor as a user update and lowercase hashes', () => {
    const payload = reaction({
      kind: 'created',
      type: 1,
      castHash: HASH,
      reactor: user(7, { score: 0.9 }),
      at: '2026-02-03T04:05:06.789Z',
    });
    expect(parseNeynarEvent(payload, options)).toEqual({
      ok: true,
      type: 'reaction.created',
      event: {
        kind: 'reaction',
        castHash: HASH.toLowerCase(),
        reactorFid: 7,
        reactionType: 'like',
        active: true,
        at: '2026-02-03T04:05:06.789Z',
        users: [
          {
            fid: 7,
            username: 'user7',
            displayName: 'User 7',
            pfpUrl: 'https://example.com/pfp/7.png',
            custodyAddress: `0x${(0xc000000 + 7).toString(16).padStart(40, '0')}`,
            verifiedEthAddresses: null,
            primaryEthAddress: null,
            score: 0.9,
            at: '2026-02-03T04:05:06.789Z',
          },
        ],
      },
    });
  });

  it('uses event_timestamp over timestamp, and created_at when neither is present', () => {
    const p = reaction({ kind: 'deleted', type: 2, castHash: HASH, reactor: user(7), at: '2026-02-03T00:00:00Z' });
    p.data.event_timestamp = '2026-02-03T00:00:09Z';
    const r = parseNeynarEvent(p, options);
    expect(r.ok && r.event.kind === 'reaction' && [r.event.at, r.event.active, r.event.reactionType]).toEqual([
      '2026-02-03T00:00:09.000Z',
      false,
      'recast',
    ]);
    const bare = {
      type: 'reaction.created',
      created_at: 1_700_000_000,
      data: { ...p.data, event_timestamp: undefined, timestamp: undefined },
    };
    const r2 = parseNeynarEvent(bare, options);
    expect(r2.ok && r2.event.kind === 'reaction' && r2.event.at).toBe('2023-11-14T22:13:20.000Z');
    const none = { type: 'reaction.created', data: bare.data };
    expect(parseNeynarEvent(none, options)).toEqual({
      ok: false,
      reason: 'data.event_timestamp: required to order reactions',
    });
  });

  it('makes a performance of a channel cast, and of an audio embed outside the channel', () => {
    const inChannel = parseNeynarEvent(performanceCast(HASH, user(1)), options);
    expect(inChannel.ok && inChannel.event.kind === 'cast' && inChannel.event.performance).toMatchObject({
      title: 'Live take ABABAB',
      audioMimeType: 'audio/mpeg',
      channelUrl: options.performanceChannelUrl,
    });
    const rootOnly = castCreated({
      hash: HASH,
      author: user(1),
      text: 'hi',
      rootParentUrl: options.performanceChannelUrl,
      parentUrl: null,
    });
    rootOnly.data.parent_url = null;
    rootOnly.data.root_parent_url = options.performanceChannelUrl;
    const r = parseNeynarEvent(rootOnly, options);
    expect(r.ok && r.event.kind === 'cast' && r.event.performance?.title).toBe('hi');
    const byExt = parseNeynarEvent(
      castCreated({ hash: HASH, author: user(1), text: '', embeds: [{ url: 'https://a.example/x/Song.WAV' }] }),
      options,
    );
    expect(byExt.ok && byExt.event.kind === 'cast' && byExt.event.performance).toMatchObject({
      title: 'Performance by @user1',
      audioMimeType: 'audio/wav',
      channelUrl: null,
    });
    const image = parseNeynarEvent(
      castCreated({
        hash: HASH,
        author: user(1),
        embeds: [{ url: 'https://a.example/p.png', metadata: { content_type: 'image/png' } }],
      }),
      options,
    );
    expect(image.ok && image.event.kind === 'cast' && image.event.performance).toBeNull();
  });

  it('records a reply with its parent and a deletion with its time', () => {
    const reply = parseNeynarEvent(
      castCreated({ hash: HASH, author: user(1), parentHash: `0x${'1'.repeat(40)}` }),
      options,
    );
    expect(reply.ok && reply.event.kind === 'cast' && reply.event.parentHash).toBe(`0x${'1'.repeat(40)}`);
    const del = parseNeynarEvent(castDeleted(HASH, { at: '2026-03-01T00:00:00Z' }), options);
    expect(del).toEqual({
      ok: true,
      type: 'cast.deleted',
      event: {
        kind: 'cast_deleted',
        hash: HASH.toLowerCase(),
        parentHash: null,
        at: '2026-03-01T00:00:00.000Z',
        users: [],
      },
    });
  });

  it('keeps verified addresses from full user objects and reads user.updated time from the top level', () => {
    const u = user(9, {
      verified_addresses: {
        eth_addresses: [`0x${'A'.repeat(40)}`, `0x${'a'.repeat(40)}`],
        sol_addresses: [],
        primary: { eth_address: `0x${'A'.repeat(40)}` },
      },
    });
    const r = parseNeynarEvent(userUpdated(u, '2026-04-01T00:00:00Z'), options);
    expect(r.ok && r.event.kind === 'user' && r.event.users[0]).toMatchObject({
      verifiedEthAddresses: [`0x${'a'.repeat(40)}`],
      primaryEthAddress: `0x${'a'.repeat(40)}`,
      at: '2026-04-01T00:00:00.000Z',
    });
  });

  it('accepts unknown types as ignored and follows as identity updates', () => {
    expect(parseNeynarEvent({ type: 'something.new', data: 1 }, options)).toEqual({
      ok: true,
      type: 'something.new',
      event: { kind: 'ignored', type: 'something.new' },
    });
    const follow = {
      type: 'follow.created',
      created_at: 1,
      data: { object: 'follow', user: user(1), target_user: user(2) },
    };
    const r = parseNeynarEvent(follow, options);
    expect(r.ok && r.event.kind === 'user' && r.event.users.map((x) => x.fid)).toEqual([1, 2]);
  });

  it.each([
    [null, 'body: Invalid input: expected object, received null'],
    [{ type: '', data: {} }, 'body.type: must not be empty'],
    [{ type: 'cast.created', data: {} }, 'data.hash: Invalid input: expected string, received undefined'],
    [
      { type: 'reaction.created', data: { reaction_type: 1, cast: { hash: HASH }, user: { fid: -1 } } },
      'data.user.fid: must be positive',
    ],
    [
      {
        type: 'reaction.created',
        data: { reaction_type: 1, cast: { hash: HASH }, user: { fid: 1 }, event_timestamp: 'soon' },
      },
      'data.event_timestamp: must be an ISO 8601 date-time',
    ],
    [
      { type: 'user.updated', data: { fid: 1, custody_address: '0x12' } },
      'data.custody_address: must be an Ethereum address',
    ],
  ])('rejects %o with a short reason', (payload, reason) => {
    expect(parseNeynarEvent(payload, options)).toEqual({ ok: false, reason });
  });
});
