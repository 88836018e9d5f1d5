import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError, PayloadTooLargeError } from '../errors.ts';
import { readTradeBody } from './readTradeBody.ts';

const schema = z.object({ a: z.object({ b: z.string('must be text') }) }, { error: 'must be a JSON object' });
const post = (body: string) => new Request('http://x/', { method: 'POST', body });

describe('readTradeBody', () => {
  it('answers the parsed body', async () => {
    await expect(readTradeBody(post('{"a":{"b":"c"}}'), 100, schema)).resolves.toEqual({ a: { b: 'c' } });
  });

  it('names the first wrong field, or the body, in a 400', async () => {
    await expect(readTradeBody(post('{"a":{"b":1}}'), 100, schema)).rejects.toThrow(
      new BadRequestError('a.b: must be text'),
    );
    await expect(readTradeBody(post('[]'), 100, schema)).rejects.toThrow(
      new BadRequestError('body: must be a JSON object'),
    );
  });

  it('refuses a body over the limit', async () => {
    await expect(readTradeBody(post('{"a":{"b":"c"}}'), 4, schema)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});
