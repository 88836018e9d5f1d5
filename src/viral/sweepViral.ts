import { errorFields, type Logger } from '../support/logger.ts';
import type { SweepResult, ViralStore } from './createViralStore.ts';

/** Run one viral sweep (public.sweep_viral): enqueue every eligible performance over the threshold. Never throws;
 * a failed sweep is logged and the next one retries (detection is idempotent). */
export async function sweepViral(
  store: Pick<ViralStore, 'sweepViral'>,
  logger: Logger,
  now?: Date,
): Promise<SweepResult | null> {
  try {
    const result = await store.sweepViral(now);
    if (result.enqueued > 0) logger.info('viral sweep enqueued coin jobs', result);
    else logger.debug('viral sweep', result);
    return result;
  } catch (error) {
    logger.warn('viral sweep failed', errorFields(error));
    return null;
  }
}
