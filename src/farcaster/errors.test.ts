import { describe, expect, it } from 'vitest';
import { BaseError } from '../errors.ts';
import {
  DataMismatchError,
  FrameActionError,
  FutureMessageError,
  InvalidButtonIndexError,
  InvalidHashError,
  InvalidSignatureError,
  MalformedMessageError,
  NotFrameActionError,
  StaleMessageError,
  UnregisteredSignerError,
  UnverifiedAddressError,
  WrongNetworkError,
  WrongOriginError,
} from './errors.ts';

describe('frame action errors', () => {
  it.each([
    [new MalformedMessageError(), 400],
    [new DataMismatchError(), 401],
    [new InvalidHashError(), 401],
    [new InvalidSignatureError(), 401],
    [new UnregisteredSignerError(), 401],
    [new StaleMessageError(), 401],
    [new FutureMessageError(), 401],
    [new WrongOriginError(), 403],
    [new WrongNetworkError(), 400],
    [new NotFrameActionError(), 400],
    [new InvalidButtonIndexError(), 400],
    [new UnverifiedAddressError(), 403],
  ])('%s: namespaced, status %i, a message frames clients can show', (error, status) => {
    expect(error).toBeInstanceOf(FrameActionError);
    expect(error).toBeInstanceOf(BaseError);
    expect(error.status).toBe(status);
    expect(error.name).toMatch(/^FrameAction\.[A-Z][A-Za-z]+Error$/);
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.message.length).toBeLessThanOrEqual(90);
  });
});
