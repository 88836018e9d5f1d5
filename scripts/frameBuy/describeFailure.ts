import { BaseError } from 'viem';
import { refusalMessage } from './parseLaunchWait.ts';

/** A server refusal of one of frame:buy's requests: which request, the status and the server's short message. */
export class RefusedError extends Error {
  override name = 'FrameBuy.RefusedError';
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: string;
  constructor(what: string, answer: { status: number; retryAfter: string | null; body: string }) {
    super(`${what} answered ${answer.status}: ${refusalMessage(answer.body) || '(no message)'}`);
    this.status = answer.status;
    this.retryAfter = answer.retryAfter;
    this.body = answer.body;
  }
}

/** One line for any failure of frame:buy, never a stack trace: viem's short message for chain errors (its long one
 * repeats the request), the message otherwise, with the cause when the message alone says nothing ("fetch failed"). */
export function describeFailure(error: unknown): string {
  let line: string;
  if (error instanceof BaseError) line = error.shortMessage;
  else if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause.message : '';
    line = cause !== '' && cause !== error.message ? `${error.message} (${cause})` : error.message;
  } else line = String(error);
  return (line.split('\n')[0] ?? '').trim() || 'unknown error';
}
