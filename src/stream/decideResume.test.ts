import { describe, expect, it } from 'vitest';
import { decideResume, type ResumeState } from './decideResume.ts';

const state: ResumeState = { epoch: 'abcd1234', oldestSeq: 11, lastSeq: 20, now: 100_000, windowMs: 60_000 };
const at = (seq: number, ms = 90_000) => ({ epoch: 'abcd1234', seq, at: ms });

describe('decideResume', () => {
  it('resumes an id of this epoch whose successors are all still held', () => {
    expect(decideResume(at(10), state)).toBe('resume');
    expect(decideResume(at(15), state)).toBe('resume');
    expect(decideResume(at(20), state)).toBe('resume');
  });

  it('resets when an event after the id has left the ring', () => {
    expect(decideResume(at(9), state)).toBe('reset');
    expect(decideResume(at(0), state)).toBe('reset');
  });

  it('resets an id of another instance or of an earlier listening connection', () => {
    expect(decideResume({ ...at(15), epoch: 'ffff0000' }, state)).toBe('reset');
    expect(decideResume(null, state)).toBe('reset');
  });

  it('resets an id from the future (forged, or from a restarted instance that reused an epoch)', () => {
    expect(decideResume(at(21), state)).toBe('reset');
    expect(decideResume(at(15, 200_000), state)).toBe('reset');
  });

  it('resets an id written longer ago than the window: its subjects may not have been followed meanwhile', () => {
    expect(decideResume(at(20, 100_000 - 60_000), state)).toBe('resume');
    expect(decideResume(at(20, 100_000 - 60_001), state)).toBe('reset');
  });

  it('resumes at an empty ring when nothing happened since the id', () => {
    expect(decideResume(at(20), { ...state, oldestSeq: 21 })).toBe('resume');
    expect(decideResume(at(0), { ...state, oldestSeq: 1, lastSeq: 0 })).toBe('resume');
  });
});
