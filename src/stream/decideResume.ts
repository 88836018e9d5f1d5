import type { StreamPosition } from './streamEventId.ts';

/** What this instance still holds: its epoch, the sequence numbers its ring buffer spans, and the window it keeps
 * events (and keeps following a disconnected client's subjects) for. */
export interface ResumeState {
  epoch: string;
  /** Sequence number of the oldest event still held (nextSeq when none is held). */
  oldestSeq: number;
  /** Sequence number of the newest event written (0 before the first). */
  lastSeq: number;
  now: number;
  windowMs: number;
}

/** Whether a reconnecting client can be sent exactly what it missed, or must refetch (`reset`). Resumable only when
 * the id is this instance's current epoch, no event after it has left the ring, and it was written within the window:
 * ids are refreshed by heartbeats, so a client disconnected for less than the window was followed the whole time
 * (the hub keeps a departed client's subjects for the window), and every change to its subjects is in the ring. Pure. */
export function decideResume(position: StreamPosition | null, state: ResumeState): 'resume' | 'reset' {
  if (position === null || position.epoch !== state.epoch) return 'reset';
  if (position.seq > state.lastSeq || position.seq < state.oldestSeq - 1) return 'reset';
  if (position.at > state.now + 1000 || state.now - position.at > state.windowMs) return 'reset';
  return 'resume';
}
