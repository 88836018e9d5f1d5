import { BaseError } from '../errors.ts';

/** A frames v1 signed action (a POST's `trustedData.messageBytes`) was refused. Every subclass has a short message
 * (at most 90 characters, the frames v1 limit for a 4xx `{message}`) that is safe to show to the client.
 * https://github.com/farcasterxyz/docs/blob/6dbdc1d/docs/reference/frames/spec.md */
export class FrameActionError extends BaseError {
  override name = 'FrameAction.Error';
}

/** The bytes are not a decodable Farcaster message: bad hex, too long, not a protobuf, invalid field values. */
export class MalformedMessageError extends FrameActionError {
  override name = 'FrameAction.MalformedMessageError';
  constructor(message = 'malformed frame message', cause?: unknown) {
    super(message, { status: 400, cause });
  }
}

/** The unsigned `data` of the message disagrees with the signed `dataBytes`, or the envelope is encoded so that
 * another protobuf decoder (Frog's) could read different fields than the ones that were signed. */
export class DataMismatchError extends FrameActionError {
  override name = 'FrameAction.DataMismatchError';
  constructor(message = 'frame message data does not match its signed bytes') {
    super(message, { status: 401 });
  }
}

/** The BLAKE3 hash in the message is not the hash of its data. */
export class InvalidHashError extends FrameActionError {
  override name = 'FrameAction.InvalidHashError';
  constructor(cause?: unknown) {
    super('frame message hash is invalid', { status: 401, cause });
  }
}

/** The Ed25519 signature does not verify against the message's signer key. */
export class InvalidSignatureError extends FrameActionError {
  override name = 'FrameAction.InvalidSignatureError';
  constructor(cause?: unknown) {
    super('frame message signature is invalid', { status: 401, cause });
  }
}

/** The key that signed the message is not an active signer of the fid (never added, or removed). */
export class UnregisteredSignerError extends FrameActionError {
  override name = 'FrameAction.UnregisteredSignerError';
  constructor() {
    super('frame message signer is not registered for this fid', { status: 401 });
  }
}

/** The message was signed longer ago than the accepted age. */
export class StaleMessageError extends FrameActionError {
  override name = 'FrameAction.StaleMessageError';
  constructor() {
    super('frame message is too old; try again', { status: 401 });
  }
}

/** The message's timestamp lies further in the future than the accepted clock skew. */
export class FutureMessageError extends FrameActionError {
  override name = 'FrameAction.FutureMessageError';
  constructor(cause?: unknown) {
    super('frame message timestamp is in the future', { status: 401, cause });
  }
}

/** The signed frame URL is not on our origin: the signature was made for someone else's frame. */
export class WrongOriginError extends FrameActionError {
  override name = 'FrameAction.WrongOriginError';
  constructor() {
    super('frame message was signed for another site', { status: 403 });
  }
}

/** The message belongs to another Farcaster network (e.g. testnet when we expect mainnet). */
export class WrongNetworkError extends FrameActionError {
  override name = 'FrameAction.WrongNetworkError';
  constructor() {
    super('frame message is for another Farcaster network', { status: 400 });
  }
}

/** A genuinely signed message of another type (a cast, a reaction, ...) submitted as a frame action. */
export class NotFrameActionError extends FrameActionError {
  override name = 'FrameAction.NotFrameActionError';
  constructor() {
    super('message is not a frame action', { status: 400 });
  }
}

/** The button index is outside 1..4, the range the frames v1 spec allows. */
export class InvalidButtonIndexError extends FrameActionError {
  override name = 'FrameAction.InvalidButtonIndexError';
  constructor() {
    super('frame message button index must be 1 to 4', { status: 400 });
  }
}

/** The address in a signed frame action is not one of the fid's verified Ethereum addresses: anyone may put any
 * address in a message they sign, so a trade would be attributed to the wrong fid. */
export class UnverifiedAddressError extends FrameActionError {
  override name = 'FrameAction.UnverifiedAddressError';
  constructor() {
    super('This wallet is not a verified address of your Farcaster account', { status: 403 });
  }
}
