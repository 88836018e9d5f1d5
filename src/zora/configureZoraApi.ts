import { BaseError } from '../errors.ts';

/** The base URL coins-sdk 0.6.0 starts with (its generated client's default). Used when ZORA_API_BASE_URL is unset,
 * so that "unset" and "the default, spelled out" are the same configuration. */
export const COINS_SDK_DEFAULT_BASE_URL = 'https://api-sdk.zora.engineering/';

/** The parts of this server that talk to the Zora API through coins-sdk: coin creation (`createCoinCall`) and buy
 * quotes (`apiPost('/quote')`). */
export type ZoraApiUser = 'coins' | 'trading';

/** Where the Zora API is and the key it gets (ZORA_API_BASE_URL, ZORA_API_KEY); unset means coins-sdk's default URL
 * and no `api-key` header. */
export interface ZoraApiSettings {
  baseUrl: string | undefined;
  apiKey: string | undefined;
}

/** What configureZoraApi applied: the effective base URL and whether a key is sent (never the key itself). */
export interface ZoraApiConfiguration {
  baseUrl: string;
  hasApiKey: boolean;
}

/** Two parts of one process asked for different Zora API settings. coins-sdk keeps one base URL and one key per
 * process, so one of them would silently have used the other's; the message names what differs, never the key. */
export class ZoraApiConflictError extends BaseError {
  override name = 'Zora.ApiConflictError';
  constructor(user: ZoraApiUser, other: ZoraApiUser, differs: readonly string[]) {
    super(
      `Zora API configured by ${user} with a different ${differs.join(' and ')} than ${other} already uses; ` +
        'coins-sdk holds one configuration per process, so both must use the same ZORA_API_BASE_URL and ZORA_API_KEY',
    );
  }
}

type Resolved = { baseUrl: string; apiKey: string | undefined };

/** Each part's current settings. A part may replace its own (a rebuild: the Worker isolate builds its trading
 * services again when ZORA_API_KEY or ZORA_API_BASE_URL changes, and the old services are dropped), but never
 * disagree with another part that still uses the shared client. */
const inUse = new Map<ZoraApiUser, Resolved>();

/** coins-sdk, once loaded (see loadZoraSdk); the settings it was last given; the settings configured last. */
let sdk: Promise<typeof import('@zoralabs/coins-sdk')> | null = null;
let applied: Resolved | null = null;
let latest: Resolved | null = null;

function resolve(settings: ZoraApiSettings): Resolved {
  // An empty key would send no header anyway (coins-sdk checks truthiness); treat it as none so both spellings agree.
  return { baseUrl: settings.baseUrl ?? COINS_SDK_DEFAULT_BASE_URL, apiKey: settings.apiKey || undefined };
}

function differences(a: Resolved, b: Resolved): string[] {
  return [a.baseUrl === b.baseUrl ? null : 'base URL', a.apiKey === b.apiKey ? null : 'API key'].filter(
    (d) => d !== null,
  );
}

/** The one place that decides coins-sdk's module-wide API base URL and key (applied by loadZoraSdk with
 * `setApiBaseUrl`, `setApiKey`). The same settings again are a no-op; settings that differ from another part's throw
 * ZoraApiConflictError instead of letting the last caller win; a part's own new settings replace its old ones (its
 * rebuild). */
export function configureZoraApi(user: ZoraApiUser, settings: ZoraApiSettings): ZoraApiConfiguration {
  const wanted = resolve(settings);
  for (const [other, used] of inUse) {
    if (other === user) continue;
    const differs = differences(wanted, used);
    if (differs.length > 0) throw new ZoraApiConflictError(user, other, differs);
  }
  inUse.set(user, wanted);
  latest = wanted;
  return { baseUrl: wanted.baseUrl, hasApiKey: wanted.apiKey !== undefined };
}

/** coins-sdk, imported on first use rather than at boot (with viem's chain data it adds ~50 MiB of memory and over a
 * second of start-up to a process that may never create a coin or quote a trade), with the configured base URL and
 * key applied before it is handed out. */
export async function loadZoraSdk(): Promise<typeof import('@zoralabs/coins-sdk')> {
  sdk ??= import('@zoralabs/coins-sdk');
  const loaded = await sdk;
  if (latest !== null && (applied === null || differences(latest, applied).length > 0)) {
    loaded.setApiBaseUrl(latest.baseUrl);
    loaded.setApiKey(latest.apiKey);
    applied = latest;
  }
  return loaded;
}
