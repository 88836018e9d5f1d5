import { BaseError } from '../src/errors.ts';

/** The signed frame action was already accepted once (same message hash): frames v1 clients sign a new message on
 * every tap, so a repeat is a replay. */
export class FrameActionReplayError extends BaseError {
  override name = 'Frames.ReplayError';
  constructor() {
    super('This action was already used; tap again', { status: 409 });
  }
}

/** A frame route that only answers a client's signed POST was fetched some other way. */
export class FrameMethodNotAllowedError extends BaseError {
  override name = 'Frames.MethodNotAllowedError';
  constructor() {
    super('This frame only answers signed POSTs', { status: 405 });
  }
}

/** A reported buy names a performance that has no coin, so there is nothing it could have bought. */
export class NoCoinToBuyError extends BaseError {
  override name = 'Frames.NoCoinError';
  constructor() {
    super('This performance has no coin yet', { status: 409 });
  }
}

/** Not one of our frames (a path no frame could have). */
export class FrameNotFoundError extends BaseError {
  override name = 'Frames.NotFoundError';
  constructor() {
    super('Frame not found', { status: 404 });
  }
}
