import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';
import type { JobLeases } from './job.ts';

/** The job leases over any Rpc adapter (public.claim_job_lease); results are validated so a misbehaving adapter fails
 * loudly. */
export function createJobStore(rpc: Rpc): JobLeases {
  return {
    async claimJobLease(name, holder, seconds) {
      return z
        .boolean()
        .parse(await rpc.call('claim_job_lease', { p_name: name, p_holder: holder, p_seconds: seconds }));
    },
  };
}
