/** Development tooling: a local registry of Farcaster signer keys and verified addresses for `npm start` on the
 * embedded database without HUB_URL, so frame actions signed by `npm run frame:buy` can be verified offline. The
 * server then checks signers against this file instead of a hub's /v1/onChainSignersByFid, and a buy's wallet address
 * against it instead of /v1/verificationsByFid; everything else (hash, Ed25519 signature, message type, network, age,
 * origin, replay) is verified exactly as in production. Never used when HUB_URL is set or when a real database is
 * configured (see src/node.ts).
 *
 * What it cannot prove: that a key is registered on Optimism's KeyRegistry, or that the fid signed a verification of
 * the address; only that they were registered here. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NobleEd25519Signer } from '@farcaster/core';
import { bytesToHex, type Hex } from 'viem';

/** The development signer: a fid and its Ed25519 private key (kept in DATA_DIR/devnet, mode 0600). */
export interface DevFarcasterSigner {
  fid: number;
  privateKey: Hex;
  signerKey: Hex;
}

const registryFile = (dataDir: string) => path.resolve(dataDir, 'devnet', 'farcaster-signers.json');
const signerFile = (dataDir: string) => path.resolve(dataDir, 'devnet', 'farcaster-dev-signer.json');

type Registry = { signers: { fid: number; signerKey: string }[]; addresses?: { fid: number; address: string }[] };

async function readRegistry(dataDir: string): Promise<Registry> {
  try {
    return JSON.parse(await readFile(registryFile(dataDir), 'utf8')) as Registry;
  } catch {
    return { signers: [] };
  }
}

/** Load the development signer for `fid` from DATA_DIR, creating and registering one on first use. */
export async function loadDevFarcasterSigner(dataDir: string, fid: number): Promise<DevFarcasterSigner> {
  await mkdir(path.dirname(signerFile(dataDir)), { recursive: true });
  let signer: DevFarcasterSigner | null = null;
  try {
    const saved = JSON.parse(await readFile(signerFile(dataDir), 'utf8')) as DevFarcasterSigner;
    if (saved.fid === fid) signer = saved;
  } catch {}
  if (signer === null) {
    const privateKey = new Uint8Array(randomBytes(32));
    const key = (await new NobleEd25519Signer(privateKey).getSignerKey())._unsafeUnwrap();
    signer = { fid, privateKey: bytesToHex(privateKey), signerKey: bytesToHex(key) };
    await writeFile(signerFile(dataDir), JSON.stringify(signer, null, 2), { mode: 0o600 });
  }
  const registry = await readRegistry(dataDir);
  const key = signer.signerKey.toLowerCase();
  if (!registry.signers.some((s) => s.fid === fid && s.signerKey === key)) {
    registry.signers.push({ fid, signerKey: key });
    await writeFile(registryFile(dataDir), JSON.stringify(registry, null, 2));
  }
  return signer;
}

/** Register `address` as a verified Ethereum address of `fid` in DATA_DIR (what a VerificationAddEthAddress message
 * merged on a hub would do), so the server accepts frame buys from that wallet for that fid. */
export async function registerDevVerifiedAddress(dataDir: string, fid: number, address: Hex): Promise<void> {
  await mkdir(path.dirname(registryFile(dataDir)), { recursive: true });
  const registry = await readRegistry(dataDir);
  const lower = address.toLowerCase();
  const addresses = registry.addresses ?? [];
  if (addresses.some((a) => a.fid === fid && a.address === lower)) return;
  await writeFile(
    registryFile(dataDir),
    JSON.stringify({ ...registry, addresses: [...addresses, { fid, address: lower }] }, null, 2),
  );
}

/** An address check over the development registry (re-read at most once a second, so new addresses apply at once). */
export function createDevAddressCheck(dataDir: string): (fid: number, address: `0x${string}`) => Promise<boolean> {
  let cached: { at: number; registry: Registry } | null = null;
  return async (fid, address) => {
    if (cached === null || Date.now() - cached.at > 1000)
      cached = { at: Date.now(), registry: await readRegistry(dataDir) };
    const lower = address.toLowerCase();
    return (cached.registry.addresses ?? []).some((a) => a.fid === fid && a.address === lower);
  };
}

/** A signer check over the development registry (re-read at most once a second, so new keys apply at once). */
export function createDevSignerCheck(dataDir: string): (fid: number, signer: `0x${string}`) => Promise<boolean> {
  let cached: { at: number; registry: Registry } | null = null;
  return async (fid, signer) => {
    if (cached === null || Date.now() - cached.at > 1000)
      cached = { at: Date.now(), registry: await readRegistry(dataDir) };
    const key = signer.toLowerCase();
    return cached.registry.signers.some((s) => s.fid === fid && s.signerKey === key);
  };
}
