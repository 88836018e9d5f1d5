import type { Message, MessageData, validations } from '@farcaster/core';
import { bytesToHex, getAddress, hexToBytes } from 'viem';
import {
  DataMismatchError,
  FutureMessageError,
  InvalidButtonIndexError,
  InvalidHashError,
  InvalidSignatureError,
  MalformedMessageError,
  NotFrameActionError,
  StaleMessageError,
  UnregisteredSignerError,
  WrongNetworkError,
  WrongOriginError,
} from './errors.ts';
import { findAmbiguousField } from './findAmbiguousField.ts';

/** @farcaster/core with its chains and protobufs (tens of MB): loaded by the first frame action, not at boot. */
type FarcasterCore = typeof import('@farcaster/core');

/** A frame action whose every field was read from the signed bytes and checked. */
export interface VerifiedFrameAction {
  fid: number;
  /** BLAKE3-20 message hash, lowercase `0x` + 40 hex: the replay key. */
  messageHash: `0x${string}`;
  /** The Ed25519 public key that signed, lowercase `0x` + 64 hex. */
  signer: `0x${string}`;
  signedAt: Date;
  url: string;
  buttonIndex: number;
  inputText: string;
  state: string;
  /** The user's connected wallet (transaction frames), checksummed; null when empty. */
  address: `0x${string}` | null;
  transactionId: `0x${string}` | null;
  castId: { fid: number; hash: `0x${string}` } | null;
  network: number;
}

/** Answers whether `signer` (`0x` + 64 hex) is an active Ed25519 key of `fid`. Throws UnavailableError when it
 * cannot tell. */
export type SignerCheck = (fid: number, signer: `0x${string}`) => Promise<boolean>;

export interface VerifyFrameActionOptions {
  now: Date;
  /** Refuse messages signed longer ago than this. */
  maxAgeSeconds: number;
  /** Refuse messages timestamped further ahead than this (clock skew); default 60. */
  maxFutureSeconds?: number;
  /** e.g. `https://gigavibe.example`: the signed frame URL's origin must equal it exactly. */
  allowedOrigin: string;
  checkSigner: SignerCheck;
  /** Default FarcasterNetwork.MAINNET (1). */
  network?: number;
  /** Hash and signature primitives for @farcaster/core's validateMessage (default: its pure-JS ones; the Node host
   * passes createNodeValidationMethods()). */
  validationMethods?: validations.ValidationMethods;
}

/** Frames v1 bodies carry the message as hex; protobuf Messages are at most 64 KiB here. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const HEX = /^[0-9a-fA-F]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeHex(input: unknown): Uint8Array {
  if (typeof input !== 'string') throw new MalformedMessageError('frame message must be a hex string');
  const hex = input.startsWith('0x') || input.startsWith('0X') ? input.slice(2) : input;
  if (hex.length === 0 || hex.length % 2 !== 0 || !HEX.test(hex)) {
    throw new MalformedMessageError('frame message must be an even-length hex string');
  }
  if (hex.length > 2 * MAX_MESSAGE_BYTES) throw new MalformedMessageError('frame message is too long');
  return hexToBytes(`0x${hex}`);
}

function text(bytes: Uint8Array, field: string): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new MalformedMessageError(`frame message ${field} is not UTF-8`, error);
  }
}

/** Canonical JSON of a MessageData, or null when it holds values toJSON refuses (e.g. an unknown enum number). */
function jsonOf(core: FarcasterCore, data: MessageData): string | null {
  try {
    return JSON.stringify(core.MessageData.toJSON(data));
  } catch {
    return null;
  }
}

/** The MessageData whose bytes were hashed and signed. When the envelope carries both the decoded `data` and the
 * signed `dataBytes`, @farcaster/core validates `data` but hashes `dataBytes`, so a forged `data` next to genuine
 * bytes would pass; we decode `dataBytes` ourselves and require `data` to be absent or to say the same. */
function signedData(core: FarcasterCore, message: Message): MessageData {
  if (message.dataBytes !== undefined && message.dataBytes.length > 0) {
    let fromBytes: MessageData;
    try {
      fromBytes = core.MessageData.decode(message.dataBytes);
    } catch (error) {
      throw new MalformedMessageError('frame message data bytes do not decode', error);
    }
    if (message.data !== undefined) {
      const signed = jsonOf(core, fromBytes);
      if (signed === null) throw new MalformedMessageError('frame message data is invalid');
      if (jsonOf(core, message.data) !== signed) throw new DataMismatchError();
    }
    return fromBytes;
  }
  if (message.data === undefined) throw new MalformedMessageError('frame message has no data');
  return message.data;
}

/** Map a refusal of `validations.validateMessage` to our typed errors (its messages are not for clients). */
function validationError(error: Error): Error {
  const reason = error.message;
  if (reason.startsWith('invalid hash') || reason === 'hash is missing') return new InvalidHashError(error);
  if (/signature|signer/.test(reason)) return new InvalidSignatureError(error);
  if (reason.includes('in the future')) return new FutureMessageError(error);
  if (reason === 'invalid button index') return new InvalidButtonIndexError();
  return new MalformedMessageError('invalid frame message', error);
}

async function checkCrypto(
  { validations }: FarcasterCore,
  message: Message,
  data: MessageData,
  methods: validations.ValidationMethods | undefined,
): Promise<void> {
  let result: Awaited<ReturnType<typeof validations.validateMessage>>;
  try {
    result =
      methods === undefined
        ? await validations.validateMessage({ ...message, data })
        : await validations.validateMessage({ ...message, data }, methods);
  } catch (error) {
    throw new MalformedMessageError('invalid frame message', error);
  }
  if (result.isErr()) throw validationError(result.error);
}

function originOf(url: string): string | null {
  return URL.canParse(url) ? new URL(url).origin : null;
}

/** Verify a frames v1 signed action (`trustedData.messageBytes`, hex with or without `0x`) without a third-party API:
 * decode, refuse a forged unsigned `data`, check the BLAKE3 hash and Ed25519 signature (@farcaster/core), then the
 * type, network, fid, button index (1..4), that the signed URL is on `allowedOrigin`, the timestamp window, and last
 * that the key is an active signer of the fid (`checkSigner`). No env, no fetch: the only I/O is the injected signer
 * check (note @farcaster/core also refuses timestamps over 10 min ahead of the real clock, whatever `now` says).
 * Throws a FrameActionError (4xx) or rethrows the signer check's UnavailableError (503).
 * https://github.com/farcasterxyz/docs/blob/6dbdc1d/docs/reference/frames/spec.md */
export async function verifyFrameAction(
  messageBytesHex: string,
  options: VerifyFrameActionOptions,
): Promise<VerifiedFrameAction> {
  const allowedOrigin = originOf(options.allowedOrigin);
  if (allowedOrigin === null || allowedOrigin !== options.allowedOrigin || allowedOrigin === 'null') {
    throw new TypeError(`allowedOrigin must be an origin like https://example.com, got ${options.allowedOrigin}`);
  }
  const bytes = decodeHex(messageBytesHex);
  const core = await import('@farcaster/core');
  let message: Message;
  try {
    message = core.Message.decode(bytes);
  } catch (error) {
    throw new MalformedMessageError('frame message is not a Farcaster message', error);
  }
  const data = signedData(core, message);
  await checkCrypto(core, message, data, options.validationMethods);

  const body = data.frameActionBody;
  if (data.type !== core.MessageType.FRAME_ACTION || body === undefined) throw new NotFrameActionError();
  const ambiguous = findAmbiguousField(bytes);
  if (ambiguous !== null) throw new DataMismatchError('frame message encoding is ambiguous');
  if (data.network !== (options.network ?? core.FarcasterNetwork.MAINNET)) throw new WrongNetworkError();
  if (!Number.isSafeInteger(data.fid) || data.fid <= 0) throw new MalformedMessageError('frame message fid is invalid');
  if (!Number.isInteger(body.buttonIndex) || body.buttonIndex < 1 || body.buttonIndex > 4) {
    throw new InvalidButtonIndexError();
  }
  const url = text(body.url, 'url');
  if (originOf(url) !== allowedOrigin) throw new WrongOriginError();

  const signedAtMs = core.fromFarcasterTime(data.timestamp);
  if (signedAtMs.isErr()) throw new MalformedMessageError('frame message timestamp is invalid', signedAtMs.error);
  const nowMs = options.now.getTime();
  if (nowMs - signedAtMs.value > options.maxAgeSeconds * 1000) throw new StaleMessageError();
  if (signedAtMs.value - nowMs > (options.maxFutureSeconds ?? 60) * 1000) throw new FutureMessageError();

  if (message.hash.length !== 20) throw new InvalidHashError();
  if (message.signer.length !== 32) throw new InvalidSignatureError();
  if (body.address.length !== 0 && body.address.length !== 20) {
    throw new MalformedMessageError('frame message address must be 20 bytes');
  }
  const castId = body.castId;
  if (castId !== undefined && castId.hash.length !== 20) {
    throw new MalformedMessageError('frame message cast id is invalid');
  }
  const action: VerifiedFrameAction = {
    fid: data.fid,
    messageHash: bytesToHex(message.hash),
    signer: bytesToHex(message.signer),
    signedAt: new Date(signedAtMs.value),
    url,
    buttonIndex: body.buttonIndex,
    inputText: text(body.inputText, 'input text'),
    state: text(body.state, 'state'),
    address: body.address.length === 0 ? null : getAddress(bytesToHex(body.address)),
    transactionId: body.transactionId.length === 0 ? null : bytesToHex(body.transactionId),
    castId: castId === undefined ? null : { fid: castId.fid, hash: bytesToHex(castId.hash) },
    network: data.network,
  };

  // An UnavailableError (hub down) propagates as is: 503, the client may retry.
  if (!(await options.checkSigner(action.fid, action.signer))) throw new UnregisteredSignerError();
  return action;
}
