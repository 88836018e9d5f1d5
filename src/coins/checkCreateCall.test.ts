import { coinFactoryABI } from '@zoralabs/protocol-deployments';
import { concatHex, encodeFunctionData, getAddress, type Hex, toFunctionSelector, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { checkCreateCall, contentCoinDeployAbi, type IntendedCoin } from './checkCreateCall.ts';

const platform = `0x${'a'.repeat(40)}` as const;
const artist = `0x${'b'.repeat(40)}` as const;
const referrer = `0x${'c'.repeat(40)}` as const;
const attacker = '0x000000000000000000000000000000000000dEaD' as const;
const intended: IntendedCoin = {
  payoutRecipient: artist,
  owners: [platform],
  uri: 'https://gv.example/api/performances/0xabc/coin-metadata.json',
  name: 'Night drive',
  symbol: 'NIGHT',
  platformReferrer: referrer,
};

type Args = {
  payoutRecipient: `0x${string}`;
  owners: `0x${string}`[];
  uri: string;
  name: string;
  symbol: string;
  platformReferrer: `0x${string}`;
};
const deploy = (over: Partial<Args> = {}): Hex => {
  const a: Args = { ...intended, owners: [...intended.owners], ...over };
  return encodeFunctionData({
    abi: coinFactoryABI,
    functionName: 'deploy',
    args: [
      a.payoutRecipient,
      a.owners,
      a.uri,
      a.name,
      a.symbol,
      '0x1234',
      a.platformReferrer,
      zeroAddress,
      '0x',
      `0x${'5'.repeat(64)}`,
    ],
  });
};

describe('checkCreateCall', () => {
  it("declares exactly the factory's content-coin deploy", () => {
    const [fn] = contentCoinDeployAbi;
    expect(toFunctionSelector(fn)).toBe('0xa423ada1');
    expect(coinFactoryABI.some((item) => item.type === 'function' && toFunctionSelector(item) === '0xa423ada1')).toBe(
      true,
    );
  });

  it('accepts the call we asked for, with owners in any case and order', () => {
    expect(checkCreateCall(deploy(), intended)).toEqual({ ok: true });
    expect(checkCreateCall(deploy({ owners: [getAddress(platform)] }), intended)).toEqual({
      ok: true,
    });
    const two = { ...intended, owners: [platform, artist] };
    expect(checkCreateCall(deploy({ owners: [artist, platform] }), two)).toEqual({ ok: true });
  });

  it('refuses another payout recipient, owners, URI, name, symbol or referrer, naming the difference', () => {
    const cases: [Partial<Args>, string][] = [
      [{ payoutRecipient: attacker }, `payout recipient ${attacker}, expected the artist ${artist}`],
      [{ owners: [attacker] }, `owners [${attacker}], expected [${platform}]`],
      [{ owners: [platform, attacker] }, `owners [${getAddress(platform)}, ${attacker}], expected [${platform}]`],
      [{ owners: [] }, `owners [], expected [${platform}]`],
      [
        { owners: [platform, platform] },
        `owners [${getAddress(platform)}, ${getAddress(platform)}], expected [${platform}]`,
      ],
      [
        { uri: 'https://evil.example/x.json' },
        `metadata URI "https://evil.example/x.json", expected "${intended.uri}"`,
      ],
      [{ name: 'Night drive ' }, 'name "Night drive ", expected "Night drive"'],
      [{ symbol: 'NITE' }, 'symbol "NITE", expected "NIGHT"'],
      [{ platformReferrer: attacker }, `platform referrer ${attacker}, expected ${referrer}`],
      [{ platformReferrer: zeroAddress }, `platform referrer ${zeroAddress}, expected ${referrer}`],
    ];
    for (const [over, reason] of cases) {
      expect({ over, check: checkCreateCall(deploy(over), intended) }).toEqual({ over, check: { ok: false, reason } });
    }
    // With no referrer configured, the call must name none.
    const none = { ...intended, platformReferrer: zeroAddress };
    expect(checkCreateCall(deploy({ platformReferrer: zeroAddress }), none)).toEqual({ ok: true });
    expect(checkCreateCall(deploy(), none).ok).toBe(false);
  });

  it('refuses other factory functions, garbage and trailing bytes', () => {
    const legacy = encodeFunctionData({
      abi: coinFactoryABI,
      functionName: 'deployWithHook',
      args: [artist, [platform], intended.uri, intended.name, intended.symbol, '0x', referrer, attacker, '0x'],
    });
    for (const data of [legacy, '0x', '0xdeadbeef', concatHex([deploy(), '0x00'])] as Hex[]) {
      expect(checkCreateCall(data, intended).ok).toBe(false);
    }
  });
});
