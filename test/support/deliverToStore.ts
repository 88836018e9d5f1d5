import { createHash } from 'node:crypto';
import { PERFORMANCE_CHANNEL } from '../../scripts/neynarPayloads.ts';
import type { IngestStore } from '../../src/webhooks/createIngestStore.ts';
import { parseNeynarEvent } from '../../src/webhooks/parseNeynarEvent.ts';

/** Put webhook payloads through the same steps as the route (parse, inbox commit, apply) straight on the ingest store,
 * for tests that need seeded engagement without HTTP. Throws if any payload is rejected or fails to apply. */
export async function deliverToStore(
  store: Pick<IngestStore, 'ingestDeliveries' | 'applyInbox'>,
  payloads: unknown[],
): Promise<void> {
  const deliveries = payloads.map((payload) => {
    const rawBody = JSON.stringify(payload);
    const parsed = parseNeynarEvent(payload, { performanceChannelUrl: PERFORMANCE_CHANNEL, receivedAt: new Date() });
    if (!parsed.ok) throw new Error(`test payload rejected: ${parsed.reason}`);
    const sha256 = createHash('sha256').update(rawBody).digest('hex');
    return { sha256, rawBody, eventType: parsed.type, event: parsed.event };
  });
  await store.ingestDeliveries(deliveries);
  for (;;) {
    const { applied, failed } = await store.applyInbox(500);
    if (failed.length > 0) throw new Error(`inbox rows failed: ${failed.join(', ')}`);
    if (applied === 0) return;
  }
}
