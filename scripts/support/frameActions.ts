/** Real signed Farcaster frames v1 actions for tests, made offline with @farcaster/hub-nodejs (`makeFrameAction`,
 * `NobleEd25519Signer`), plus the tampered variants an attacker would send. Nothing here is mocked: every message
 * carries a genuine BLAKE3 hash and Ed25519 signature unless a helper's name says it breaks one.
 * Message format: https://github.com/farcasterxyz/protocol/blob/main/docs/SPECIFICATION.md */

import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  CastType,
  FarcasterNetwork,
  Message,
  MessageData,
  makeCastAdd,
  makeFrameAction,
  makeReactionAdd,
  NobleEd25519Signer,
  ReactionType,
  toFarcasterTime,
} from '@farcaster/hub-nodejs';

export interface FrameActionSignOptions {
  url: string;
  buttonIndex: number;
  inputText?: string;
  state?: string;
  address?: `0x${string}`;
  transactionId?: `0x${string}`;
  castId?: { fid: number; hash: `0x${string}` };
  /** Default: now. */
  signedAt?: Date;
  /** Sign for another fid than the signer's own (the key then is not that fid's signer). */
  fid?: number;
  /** Default FarcasterNetwork.MAINNET. */
  network?: number;
}

/** A POST body as a frames v1 client sends it, and the pieces tests assert on. */
export interface SignedFrameAction {
  body: { untrustedData: Record<string, unknown>; trustedData: { messageBytes: string } };
  /** Hex of the protobuf Message, no `0x` (as in `trustedData.messageBytes`). */
  messageBytesHex: string;
  messageHash: `0x${string}`;
}

export interface FrameSigner {
  fid: number;
  privateKey: Uint8Array;
  /** The Ed25519 public key, lowercase `0x` + 64 hex: what a hub lists as the fid's signer. */
  signerHex: `0x${string}`;
  sign(options: FrameActionSignOptions): Promise<SignedFrameAction>;
}

/** Fields an attacker may rewrite in the unsigned `data` of a message. */
export interface FrameDataPatch {
  fid?: number;
  network?: number;
  timestamp?: number;
  url?: string;
  buttonIndex?: number;
  inputText?: string;
  state?: string;
  address?: `0x${string}`;
  transactionId?: `0x${string}`;
  castId?: { fid: number; hash: `0x${string}` };
}

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows. RFC 8410. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

function publicKeyOf(privateKey: Uint8Array): `0x${string}` {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, privateKey]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return `0x${spki.subarray(spki.length - 32).toString('hex')}`;
}

const hexBytes = (hex: string | undefined): Uint8Array =>
  hex === undefined ? new Uint8Array() : new Uint8Array(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
const toHex = (bytes: Uint8Array): `0x${string}` => `0x${Buffer.from(bytes).toString('hex')}`;
const utf8 = (text: string | undefined): Uint8Array => new Uint8Array(Buffer.from(text ?? '', 'utf8'));

function farcasterTime(date: Date): number {
  return toFarcasterTime(date.getTime())._unsafeUnwrap();
}

/** The frames v1 POST body for a message, with `untrustedData` mirroring what the message claims (as a client or an
 * attacker would fill it). */
export function frameActionBody(message: Message): SignedFrameAction {
  const messageBytesHex = Buffer.from(Message.encode(message).finish()).toString('hex');
  const data = message.data;
  const body = data?.frameActionBody;
  const untrustedData: Record<string, unknown> = {
    fid: data?.fid,
    url: body ? Buffer.from(body.url).toString('utf8') : undefined,
    messageHash: toHex(message.hash),
    timestamp: data ? data.timestamp * 1000 + 1_609_459_200_000 : undefined,
    network: data?.network,
    buttonIndex: body?.buttonIndex,
    inputText: body ? Buffer.from(body.inputText).toString('utf8') : undefined,
    state: body ? Buffer.from(body.state).toString('utf8') : undefined,
    transactionId: body && body.transactionId.length > 0 ? toHex(body.transactionId) : undefined,
    address: body && body.address.length > 0 ? toHex(body.address) : undefined,
    castId: body?.castId ? { fid: body.castId.fid, hash: toHex(body.castId.hash) } : undefined,
  };
  return {
    body: { untrustedData, trustedData: { messageBytes: messageBytesHex } },
    messageBytesHex,
    messageHash: toHex(message.hash),
  };
}

/** A signer with a fresh random Ed25519 key (crypto.getRandomValues) for `fid`. Register `signerHex` in the hub
 * stand-in to make its messages pass the signer check. */
export function createFrameSigner(fid: number): FrameSigner {
  const privateKey = crypto.getRandomValues(new Uint8Array(32));
  const signer = new NobleEd25519Signer(privateKey);
  return {
    fid,
    privateKey,
    signerHex: publicKeyOf(privateKey),
    async sign(options) {
      const result = await makeFrameAction(
        {
          url: utf8(options.url),
          buttonIndex: options.buttonIndex,
          castId: options.castId && { fid: options.castId.fid, hash: hexBytes(options.castId.hash) },
          inputText: utf8(options.inputText),
          state: utf8(options.state),
          transactionId: hexBytes(options.transactionId),
          address: hexBytes(options.address),
        },
        {
          fid: options.fid ?? fid,
          network: options.network ?? FarcasterNetwork.MAINNET,
          timestamp: farcasterTime(options.signedAt ?? new Date()),
        },
        signer,
      );
      return frameActionBody(result._unsafeUnwrap());
    },
  };
}

function decode(signed: SignedFrameAction): Message {
  return Message.decode(Buffer.from(signed.messageBytesHex, 'hex'));
}

function patchData(data: MessageData, patch: FrameDataPatch): MessageData {
  const body = data.frameActionBody;
  if (body === undefined) throw new Error('not a frame action');
  return {
    ...data,
    fid: patch.fid ?? data.fid,
    network: patch.network ?? data.network,
    timestamp: patch.timestamp ?? data.timestamp,
    frameActionBody: {
      ...body,
      url: patch.url === undefined ? body.url : utf8(patch.url),
      buttonIndex: patch.buttonIndex ?? body.buttonIndex,
      inputText: patch.inputText === undefined ? body.inputText : utf8(patch.inputText),
      state: patch.state === undefined ? body.state : utf8(patch.state),
      address: patch.address === undefined ? body.address : hexBytes(patch.address),
      transactionId: patch.transactionId === undefined ? body.transactionId : hexBytes(patch.transactionId),
      castId: patch.castId === undefined ? body.castId : { fid: patch.castId.fid, hash: hexBytes(patch.castId.hash) },
    },
  };
}

/** Attack: keep the genuine signed `dataBytes`, hash and signature, but rewrite the decoded `data` that Frog (and
 * @farcaster/core's field validation) read. */
export function forgeDataKeepSignedBytes(signed: SignedFrameAction, patch: FrameDataPatch): SignedFrameAction {
  const message = decode(signed);
  if (message.data === undefined) throw new Error('message has no data');
  return frameActionBody({ ...message, data: patchData(message.data, patch) });
}

/** Attack on decoder differences: put a forged `data` field *before* the genuine envelope. @farcaster/core keeps the
 * last `data` (the genuine one); protobuf-es (Frog) merges both, so fields the genuine data leaves empty (address,
 * transaction id, input text, state) come from the forged one. */
export function prependForgedData(signed: SignedFrameAction, patch: FrameDataPatch): SignedFrameAction {
  const message = decode(signed);
  if (message.data === undefined) throw new Error('message has no data');
  const forged = MessageData.encode(patchData(message.data, patch)).finish();
  const length: number[] = [];
  for (let n = forged.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  const hex = Buffer.concat([Buffer.from([0x0a, ...length]), forged, Buffer.from(signed.messageBytesHex, 'hex')]);
  return { ...signed, messageBytesHex: hex.toString('hex'), body: withMessageBytes(signed, hex.toString('hex')) };
}

function withMessageBytes(signed: SignedFrameAction, messageBytesHex: string): SignedFrameAction['body'] {
  return { untrustedData: signed.body.untrustedData, trustedData: { messageBytes: messageBytesHex } };
}

/** Only the signed `dataBytes`, no decoded `data` (valid for @farcaster/core; Frog cannot read it). */
export function dropData(signed: SignedFrameAction): SignedFrameAction {
  const { data: _data, ...rest } = decode(signed);
  const hex = Buffer.from(Message.encode(rest as Message).finish()).toString('hex');
  return { ...signed, messageBytesHex: hex, body: withMessageBytes(signed, hex) };
}

/** Only the decoded `data`, no `dataBytes`: the legacy form, still hashed and signed correctly. */
export function dropDataBytes(signed: SignedFrameAction): SignedFrameAction {
  const { dataBytes: _bytes, ...rest } = decode(signed);
  const hex = Buffer.from(Message.encode(rest as Message).finish()).toString('hex');
  return { ...signed, messageBytesHex: hex, body: withMessageBytes(signed, hex) };
}

/** Attack: claim another key signed the message (e.g. a registered key of the victim fid). */
export function replaceSigner(signed: SignedFrameAction, signerHex: `0x${string}`): SignedFrameAction {
  const message = decode(signed);
  return frameActionBody({ ...message, signer: hexBytes(signerHex) });
}

/** Flip every bit of byte `index` of a hex string (no `0x`). */
export function flipByte(hex: string, index: number): string {
  const bytes = Buffer.from(hex, 'hex');
  if (index < 0 || index >= bytes.length) throw new RangeError(`byte ${index} outside 0..${bytes.length - 1}`);
  bytes[index] = (bytes[index] as number) ^ 0xff;
  return bytes.toString('hex');
}

/** A genuinely signed message of another type (a cast or a like), wrapped in a frames v1 POST body. */
export async function signAsOtherMessageType(
  signer: FrameSigner,
  kind: 'castAdd' | 'reactionAdd',
  options: { signedAt?: Date; network?: number } = {},
): Promise<SignedFrameAction> {
  const noble = new NobleEd25519Signer(signer.privateKey);
  const dataOptions = {
    fid: signer.fid,
    network: options.network ?? FarcasterNetwork.MAINNET,
    timestamp: farcasterTime(options.signedAt ?? new Date()),
  };
  const result =
    kind === 'castAdd'
      ? await makeCastAdd(
          { text: 'gm', embeds: [], embedsDeprecated: [], mentions: [], mentionsPositions: [], type: CastType.CAST },
          dataOptions,
          noble,
        )
      : await makeReactionAdd(
          { type: ReactionType.LIKE, targetCastId: { fid: 1, hash: new Uint8Array(20).fill(7) } },
          dataOptions,
          noble,
        );
  return frameActionBody(result._unsafeUnwrap());
}
