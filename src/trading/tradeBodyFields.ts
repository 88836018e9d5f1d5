import { z } from 'zod';

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

/** The fields `POST /api/tx/buy` and `POST /api/tx/sell` bodies share, each with the message a client sees when it
 * is wrong: the cast's hash, the trader's address (lowercased), a decimal amount (string or number, described by
 * `what`), and a `slippage` that may only tighten the configured `maxSlippage`. Each route names and orders them. */
export function tradeBodyFields(maxSlippage: number) {
  return {
    castHash: z
      .string(required('a string'))
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x followed by 40 hex digits')
      .transform((s) => s.toLowerCase()),
    trader: z
      .string(required('a string'))
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be an address (0x followed by 40 hex digits)')
      .transform((s) => s.toLowerCase() as `0x${string}`),
    decimalText: (what: string) =>
      z
        .union([z.string().max(64, 'is too long'), z.number()], { error: `must be ${what}` })
        .transform((v) => String(v))
        .optional(),
    slippage: z
      .number({ error: 'must be a number' })
      .min(0, `must be between 0 and ${maxSlippage}`)
      .max(maxSlippage, `must be between 0 and ${maxSlippage}`)
      .optional(),
  };
}
