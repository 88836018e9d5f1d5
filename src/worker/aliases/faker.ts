/** Workers bundle only (wrangler.toml [alias]): stands in for `@faker-js/faker`, which @farcaster/core 0.20 imports
 * for its test-data factories. The server never builds test data, but core builds one factory while its module is
 * evaluated, so the calls its factories make must answer something valid. Real faker is 3.9 MiB (1 MiB gzipped) of
 * locale data in the bundle. test/worker.test.ts runs the bundle, so a core upgrade calling anything else fails there. */
export const faker = {
  datatype: {
    number: (options: { min?: number; max?: number } = {}): number => options.min ?? 0,
    datetime: (options: { min?: number } = {}): Date => new Date(options.min ?? 0),
  },
  date: {
    between: (from: Date | string | number): Date => new Date(from),
  },
  helpers: {
    arrayElement: <T>(items: readonly T[]): T | undefined => items[0],
  },
  internet: {
    url: (): string => 'https://example.com',
  },
  lorem: {
    sentence: (): string => 'lorem ipsum',
  },
  random: {
    alphaNumeric: (length = 1): string => 'a'.repeat(length),
  },
};
