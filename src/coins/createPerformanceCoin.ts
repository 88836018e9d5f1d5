import { createCoinCall, getCoinCreateFromLogs } from '@zoralabs/coins-sdk';
import { coinFactoryABI } from '@zoralabs/protocol-deployments';
import {
  type Address,
  BaseError,
  decodeErrorResult,
  getAddress,
  type Hex,
  isAddressEqual,
  keccak256,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  zeroAddress,
} from 'viem';
import type { Store } from '../db/store.ts';
import type { Logger } from '../support/logger.ts';
import type { ClaimedJob } from '../viral/types.ts';
import { checkCoinCreated } from './checkCoinCreated.ts';
import { checkCreateCall, type IntendedCoin } from './checkCreateCall.ts';
import { coinMetadataUrl } from './coinMetadataUrl.ts';
import type { CoinChain } from './createCoinChain.ts';
import { deriveCoinSymbol } from './deriveCoinSymbol.ts';

/** Crash injection for tests: each hook runs right after its step and may throw to simulate the process dying
 * there (the worker then leaves the job leased, exactly as a crash would). */
export interface CoinFaults {
  afterIntent?: () => void | Promise<void>;
  afterSend?: (txHash: Hex) => void | Promise<void>;
  afterSubmitted?: (txHash: Hex) => void | Promise<void>;
  afterReceipt?: (receipt: TransactionReceipt) => void | Promise<void>;
}

/** Everything createPerformanceCoin works with; the chain holds the platform wallet. */
export interface CoinJobContext {
  store: Store;
  logger: Logger;
  chain: CoinChain;
  workerId: string;
  /** Base URL of this server: the coin's metadata URI is coinMetadataUrl(publicUrl, castHash). */
  publicUrl: string;
  faults?: CoinFaults;
  /** Reverts are retried with backoff until the job has this many attempts, then it fails permanently. Default 5. */
  maxRevertAttempts?: number;
  /** How long to wait for a receipt before releasing the job for recovery (ms). Default 60 000. */
  receiptTimeoutMs?: number;
  /** How far back recovery looks for the job's CoinCreatedV4 event (blocks). Default 200 000 (~4.6 days on Base). */
  lookbackBlocks?: bigint;
  /** How long a job waits for something outside our control (an artist wallet), in seconds. Default 600. */
  waitSeconds?: number;
}

/** What happened to a job in one run. */
export type CoinJobOutcome =
  | { kind: 'confirmed'; coinAddress: Address; txHash: Hex; recovered: boolean }
  | { kind: 'retry'; error: string }
  | { kind: 'waiting'; reason: string }
  | { kind: 'failed'; error: string }
  | { kind: 'lease_lost'; step: string };

type Created = { to: Address; data: Hex; predictedCoinAddress: Address; name: string; symbol: string };

const LOG_CHUNK = 10_000n;

/** A short, human readable message of any error (viem's shortMessage when there is one). */
function describe(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

/** The revert reason of a failed call, decoded with Zora's factory ABI when possible; null if not a revert. */
function revertReason(error: unknown): string | null {
  if (!(error instanceof BaseError)) return null;
  const withData = error.walk((e) => typeof (e as { data?: unknown }).data === 'string');
  const data = (withData as { data?: unknown } | null)?.data;
  if (typeof data === 'string' && data.startsWith('0x') && data.length >= 10) {
    try {
      const decoded = decodeErrorResult({ abi: coinFactoryABI, data: data as Hex });
      const args = (decoded.args ?? []).map((a) => String(a)).join(', ');
      return `${decoded.errorName}(${args})`;
    } catch {
      return `unknown error ${data.slice(0, 10)}`;
    }
  }
  return /revert/i.test(error.message) ? error.shortMessage : null;
}

/** Create the Zora content coin of one claimed job, exactly once (issue 3): a fresh job gets
 * calldata from coins-sdk, records its intent (sender, nonce, predicted address) before sending, sends with that
 * exact nonce, and confirms from the CoinCreatedV4 log; a recovery job is first looked up on chain. Expected
 * failures are released through retry_viral_job; an unexpected throw leaves the job leased for recovery. */
export async function createPerformanceCoin(job: ClaimedJob, ctx: CoinJobContext): Promise<CoinJobOutcome> {
  if (job.recovery) {
    const recovered = await recoverCoinJob(job, ctx);
    if (recovered.kind !== 'resend') return recovered;
    return sendCoin(job, ctx, recovered.nonce);
  }
  return sendCoin(job, ctx, null);
}

async function release(
  job: ClaimedJob,
  ctx: CoinJobContext,
  outcome: Exclude<CoinJobOutcome, { kind: 'confirmed' } | { kind: 'lease_lost' }>,
): Promise<CoinJobOutcome> {
  const worker = ctx.workerId;
  const result =
    outcome.kind === 'waiting'
      ? await ctx.store.retryViralJob(job.id, outcome.reason, { waitSeconds: ctx.waitSeconds ?? 600, worker })
      : await ctx.store.retryViralJob(job.id, outcome.error, { permanent: outcome.kind === 'failed', worker });
  if (!result.ok) return { kind: 'lease_lost', step: 'release' };
  const level = outcome.kind === 'waiting' ? 'info' : 'warn';
  ctx.logger[level]('coin job released', { job: job.id, castHash: job.castHash, ...outcome });
  return outcome;
}

/** A revert is retried (the API's next calldata may differ) until maxRevertAttempts, then fails for good. */
function reverted(job: ClaimedJob, ctx: CoinJobContext, message: string): Promise<CoinJobOutcome> {
  const permanent = job.attempts + 1 >= (ctx.maxRevertAttempts ?? 5);
  return release(job, ctx, permanent ? { kind: 'failed', error: message } : { kind: 'retry', error: message });
}

/** The coin a job asks for: name, symbol and metadata URI derived from the performance, the artist as payout
 * recipient, the platform wallet as sole owner, and the configured platform referrer (or none). Both the creation
 * call and the mined event are checked against it. */
function intendedCoin(job: ClaimedJob, ctx: CoinJobContext, artist: Address): IntendedCoin {
  return {
    payoutRecipient: artist,
    // coins-sdk makes `creator` the only owner unless additionalOwners is sent, and we send none.
    owners: [ctx.chain.sender],
    uri: coinMetadataUrl(ctx.publicUrl, job.castHash),
    name: job.title.trim() || `GigaVibe ${job.castHash.slice(0, 10)}`,
    symbol: deriveCoinSymbol(job.title, job.castHash),
    platformReferrer: ctx.chain.platformReferrer ?? zeroAddress,
  };
}

async function requestCalldata(
  job: ClaimedJob,
  ctx: CoinJobContext,
  artist: Address,
): Promise<{ ok: true; created: Created } | { ok: false; error: string; permanent?: boolean }> {
  const { chain } = ctx;
  const intended = intendedCoin(job, ctx, artist);
  const { name, symbol } = intended;
  let response: Awaited<ReturnType<typeof createCoinCall>>;
  try {
    response = await createCoinCall({
      creator: chain.sender,
      name,
      symbol,
      metadata: { type: 'RAW_URI', uri: intended.uri },
      currency: 'ETH',
      chainId: chain.chainId,
      payoutRecipientOverride: artist,
      ...(chain.platformReferrer === undefined ? {} : { platformReferrer: chain.platformReferrer }),
    });
  } catch (error) {
    return { ok: false, error: `Zora API create/content failed: ${describe(error)}` };
  }
  const [call, ...rest] = response.calls;
  if (!call || rest.length > 0) {
    return { ok: false, error: `Zora API returned ${response.calls.length} calls, expected exactly 1` };
  }
  if (!isAddressEqual(call.to, chain.factory) || call.value !== 0n) {
    return {
      ok: false,
      error: `Zora API call targets ${call.to} with value ${call.value}, expected the factory ${chain.factory} and 0`,
    };
  }
  // The API built the calldata our wallet is about to sign: decode it and refuse anything we did not ask for.
  const checked = checkCreateCall(call.data, intended);
  if (!checked.ok) {
    return { ok: false, permanent: true, error: `Zora API create call refused: ${checked.reason}` };
  }
  return {
    ok: true,
    created: { to: call.to, data: call.data, predictedCoinAddress: response.predictedCoinAddress, name, symbol },
  };
}

async function sendCoin(job: ClaimedJob, ctx: CoinJobContext, reuseNonce: number | null): Promise<CoinJobOutcome> {
  const { chain, store, workerId: worker } = ctx;
  if (job.performanceDeleted) return release(job, ctx, { kind: 'failed', error: 'the performance was deleted' });
  if (job.artistWalletAddress === null) {
    return release(job, ctx, { kind: 'waiting', reason: 'artist has no wallet address' });
  }
  const calldata = await requestCalldata(job, ctx, getAddress(job.artistWalletAddress));
  if (!calldata.ok) {
    return release(job, ctx, { kind: calldata.permanent === true ? 'failed' : 'retry', error: calldata.error });
  }
  const { created } = calldata;
  const tx = { account: chain.walletClient.account, to: created.to, data: created.data, value: 0n } as const;

  try {
    await chain.publicClient.call(tx);
  } catch (error) {
    const reason = revertReason(error);
    if (reason !== null) return reverted(job, ctx, `Create coin transaction reverted: ${reason}`);
    return release(job, ctx, { kind: 'retry', error: `RPC call failed: ${describe(error)}` });
  }

  let nonce: number;
  try {
    nonce =
      reuseNonce ?? (await chain.publicClient.getTransactionCount({ address: chain.sender, blockTag: 'pending' }));
  } catch (error) {
    return release(job, ctx, { kind: 'retry', error: `RPC nonce lookup failed: ${describe(error)}` });
  }

  // The intent is committed before anything is signed: from here on, a crash leaves a submitting job whose
  // sender and nonce tell recovery exactly which transaction slot to inspect on chain.
  const intent = await store.recordCoinIntent(job.id, worker, {
    sender: chain.sender,
    nonce,
    expectedCoinAddress: created.predictedCoinAddress,
    chainId: chain.chainId,
  });
  if (!intent.ok) return { kind: 'lease_lost', step: 'intent' };
  await ctx.faults?.afterIntent?.();

  let txHash: Hex;
  try {
    const request = await chain.walletClient.prepareTransactionRequest({
      ...tx,
      nonce,
      chain: chain.walletClient.chain,
    });
    const signed = await chain.walletClient.signTransaction(request);
    txHash = keccak256(signed);
    await chain.walletClient.sendRawTransaction({ serializedTransaction: signed });
  } catch (error) {
    // The job stays submitting (retry_viral_job keeps the state): the next attempt is a recovery that checks the
    // nonce on chain before sending anything again.
    const reason = revertReason(error);
    const message =
      reason === null ? `sending failed: ${describe(error)}` : `Create coin transaction reverted: ${reason}`;
    return reason === null ? release(job, ctx, { kind: 'retry', error: message }) : reverted(job, ctx, message);
  }
  await ctx.faults?.afterSend?.(txHash);

  const submitted = await store.markCoinSubmitted(job.id, txHash, worker);
  if (!submitted.ok) return { kind: 'lease_lost', step: 'submitted' };
  await ctx.faults?.afterSubmitted?.(txHash);
  ctx.logger.info('coin transaction sent', { job: job.id, castHash: job.castHash, txHash, nonce });

  let receipt: TransactionReceipt;
  try {
    receipt = await chain.publicClient.waitForTransactionReceipt({
      hash: txHash,
      timeout: ctx.receiptTimeoutMs ?? 60_000,
    });
  } catch (error) {
    return release(job, ctx, { kind: 'retry', error: `no receipt for ${txHash} yet: ${describe(error)}` });
  }
  await ctx.faults?.afterReceipt?.(receipt);
  return finishFromReceipt(job, ctx, receipt, false);
}

/** Confirm a job from a mined receipt of its transaction. */
async function finishFromReceipt(
  job: ClaimedJob,
  ctx: CoinJobContext,
  receipt: TransactionReceipt,
  recovered: boolean,
): Promise<CoinJobOutcome> {
  const { chain } = ctx;
  if (receipt.status !== 'success') {
    let reason = 'no reason given';
    try {
      const tx = await chain.publicClient.getTransaction({ hash: receipt.transactionHash });
      await chain.publicClient.call({
        account: tx.from,
        to: tx.to,
        data: tx.input,
        value: tx.value,
        blockNumber: receipt.blockNumber - 1n,
      });
    } catch (error) {
      reason = revertReason(error) ?? reason;
    }
    return reverted(job, ctx, `Create coin transaction ${receipt.transactionHash} reverted: ${reason}`);
  }
  const deployment = getCoinCreateFromLogs(receipt);
  if (!deployment) {
    return release(job, ctx, {
      kind: 'retry',
      error: `transaction ${receipt.transactionHash} succeeded without a CoinCreatedV4 event`,
    });
  }
  // Recorded only if the chain says the coin is the one we asked for (see checkCoinCreated).
  if (job.artistWalletAddress === null) {
    return release(job, ctx, {
      kind: 'failed',
      error: `coin ${deployment.coin} created, but the artist has no wallet address to check its payout recipient against`,
    });
  }
  const matches = checkCoinCreated(deployment, {
    ...intendedCoin(job, ctx, getAddress(job.artistWalletAddress)),
    caller: chain.sender,
  });
  if (!matches.ok) {
    return release(job, ctx, {
      kind: 'failed',
      error: `coin ${deployment.coin} (tx ${receipt.transactionHash}) not recorded: ${matches.reason}`,
    });
  }
  const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
  const confirmed = await ctx.store.confirmCoin(
    job.id,
    {
      coinAddress: deployment.coin,
      symbol: deployment.symbol,
      name: deployment.name,
      txHash: receipt.transactionHash,
      blockNumber: receipt.blockNumber,
      poolKey: {
        currency0: deployment.poolKey.currency0,
        currency1: deployment.poolKey.currency1,
        fee: deployment.poolKey.fee,
        tickSpacing: deployment.poolKey.tickSpacing,
        hooks: deployment.poolKey.hooks,
      },
      poolId: deployment.poolKeyHash,
      createdAt: new Date(Number(block.timestamp) * 1000),
    },
    ctx.workerId,
  );
  if (!confirmed.ok) return { kind: 'lease_lost', step: 'confirm' };
  ctx.logger.info('coin confirmed', {
    job: job.id,
    castHash: job.castHash,
    coin: deployment.coin,
    txHash: receipt.transactionHash,
    recovered,
  });
  return { kind: 'confirmed', coinAddress: deployment.coin, txHash: receipt.transactionHash, recovered };
}

/** The CoinCreatedV4 event of this job's coin among the platform wallet's recent creations: matched by the
 * predicted coin address, or by the metadata URI path (unique per performance, whatever PUBLIC_URL was). */
async function findCoinCreation(job: ClaimedJob, ctx: CoinJobContext): Promise<Hex | null> {
  const { chain } = ctx;
  // cacheTime 0: viem caches the block number for a polling interval, which could hide a just-mined creation.
  const latest = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const floor = latest > (ctx.lookbackBlocks ?? 200_000n) ? latest - (ctx.lookbackBlocks ?? 200_000n) : 0n;
  const uriPath = new URL(coinMetadataUrl('http://x', job.castHash)).pathname;
  for (let to = latest; to >= floor; to -= LOG_CHUNK) {
    const from = to - LOG_CHUNK + 1n > floor ? to - LOG_CHUNK + 1n : floor;
    const logs = await chain.publicClient.getContractEvents({
      address: chain.factory,
      abi: coinFactoryABI,
      eventName: 'CoinCreatedV4',
      args: { caller: chain.sender },
      fromBlock: from,
      toBlock: to,
      strict: true,
    });
    const match = logs.find(
      (log) =>
        (job.expectedCoinAddress !== null && isAddressEqual(log.args.coin, getAddress(job.expectedCoinAddress))) ||
        log.args.uri.endsWith(uriPath),
    );
    if (match) return match.transactionHash;
    if (from === floor) break;
  }
  return null;
}

/**
 * Recovery of a job that may already have sent its transaction (claimed with recovery: true, because a worker
 * died or gave up after record_coin_intent). Nothing is sent before the chain has been asked:
 *
 * 1. A recorded tx hash with a receipt settles it: success -> confirm from its CoinCreatedV4; reverted -> that
 *    nonce is spent without a coin, so a new transaction (fresh nonce) cannot duplicate anything.
 * 2. Otherwise the intent's (sender, nonce) identifies the only slot our transaction could ever occupy: an account
 *    executes each nonce at most once. If the account's mined nonce count is above it, the slot is used: look for
 *    this job's CoinCreatedV4 (predicted address or metadata URI) and confirm it; if no such event exists, the slot
 *    went to something else (a reverted create, or another job that raced for the same pending nonce), so our
 *    transaction can never be mined and a fresh one is safe. If the coin's code exists but its event is outside
 *    the lookback window, we refuse to send and keep the job visible with an error.
 * 3. If the nonce is still unused but the node holds a pending transaction for it, wait for that one.
 * 4. If the nonce is unused and nothing is pending, we send again with the SAME nonce: whatever we may have sent
 *    before and whatever we send now compete for one slot, so at most one of them is ever mined.
 */
async function recoverCoinJob(
  job: ClaimedJob,
  ctx: CoinJobContext,
): Promise<CoinJobOutcome | { kind: 'resend'; nonce: number | null }> {
  const { chain } = ctx;
  if (job.senderAddress === null || !isAddressEqual(getAddress(job.senderAddress), chain.sender)) {
    return release(job, ctx, {
      kind: 'waiting',
      reason: `the intent was recorded for sender ${job.senderAddress}, not the configured platform wallet ${chain.sender}; configure that wallet to recover it`,
    });
  }
  if (job.chainId !== chain.chainId) {
    return release(job, ctx, {
      kind: 'waiting',
      reason: `the intent was recorded on chain ${job.chainId}, but CHAIN_ID is ${chain.chainId}`,
    });
  }
  try {
    if (job.txHash !== null) {
      const receipt = await chain.publicClient
        .getTransactionReceipt({ hash: job.txHash as Hex })
        .catch((error: unknown) => {
          if (error instanceof TransactionReceiptNotFoundError) return null;
          throw error;
        });
      if (receipt?.status === 'success') return finishFromReceipt(job, ctx, receipt, true);
      if (receipt?.status === 'reverted') return { kind: 'resend', nonce: null };
    }
    if (job.nonce === null) {
      return release(job, ctx, { kind: 'failed', error: 'recovery impossible: the intent has no nonce' });
    }
    const mined = await chain.publicClient.getTransactionCount({ address: chain.sender, blockTag: 'latest' });
    if (mined > job.nonce) {
      const txHash = await findCoinCreation(job, ctx);
      if (txHash !== null) {
        const receipt = await chain.publicClient.getTransactionReceipt({ hash: txHash });
        return finishFromReceipt(job, ctx, receipt, true);
      }
      if (job.expectedCoinAddress !== null) {
        const code = await chain.publicClient.getCode({ address: getAddress(job.expectedCoinAddress) });
        if (code !== undefined && code !== '0x') {
          return release(job, ctx, {
            kind: 'retry',
            error: `coin ${job.expectedCoinAddress} exists but its CoinCreatedV4 event was not found in the last ${ctx.lookbackBlocks ?? 200_000n} blocks; not sending again`,
          });
        }
      }
      return { kind: 'resend', nonce: null };
    }
    const pending = await chain.publicClient.getTransactionCount({ address: chain.sender, blockTag: 'pending' });
    if (pending > job.nonce) {
      return release(job, ctx, {
        kind: 'retry',
        error: `a transaction with nonce ${job.nonce} is pending; waiting for it to be mined`,
      });
    }
    return { kind: 'resend', nonce: job.nonce };
  } catch (error) {
    return release(job, ctx, { kind: 'retry', error: `recovery RPC failed: ${describe(error)}` });
  }
}
