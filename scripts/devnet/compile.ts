import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hex } from 'viem';

/** The compiled form of one devnet contract, as the devnet needs it. */
export type DevArtifact = {
  abi: readonly unknown[];
  bytecode: Hex;
  deployedBytecode: Hex;
  storageLayout: { storage: { label: string; slot: string; offset: number }[] };
};

/** Every contract under scripts/devnet/contracts, by contract name. */
export type DevArtifacts = Record<string, DevArtifact>;

type SolcCompiler = { compile(input: string): string; version(): string };

type SolcOutput = {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      {
        abi: unknown[];
        evm: { bytecode: { object: string }; deployedBytecode: { object: string } };
        storageLayout: DevArtifact['storageLayout'];
      }
    >
  >;
};

const here = dirname(fileURLToPath(import.meta.url));
const contractsDir = join(here, 'contracts');
const repoRoot = join(here, '..', '..');
const cacheDir = join(repoRoot, 'node_modules', '.cache', 'gigavibe-devnet');

/** Fixed compiler settings: same sources + same solc build = byte-identical bytecode (no metadata hash). */
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'storageLayout'] } },
} as const;

/** Compiles the devnet's Solidity with the pinned solc (WASM build from npm), caching the result under node_modules/.cache keyed by a hash of compiler version, settings and sources. */
export async function compileDevContracts(options: { cache?: boolean } = {}): Promise<DevArtifacts> {
  const names = (await readdir(contractsDir)).filter((f) => f.endsWith('.sol')).sort();
  const sources: Record<string, { content: string }> = {};
  for (const name of names) sources[name] = { content: await readFile(join(contractsDir, name), 'utf8') };

  const solc = createRequire(import.meta.url)('solc') as SolcCompiler;
  const input = JSON.stringify({ language: 'Solidity', sources, settings });
  const key = createHash('sha256').update(solc.version()).update(input).digest('hex').slice(0, 32);
  const cacheFile = join(cacheDir, `${key}.json`);
  if (options.cache !== false) {
    try {
      return JSON.parse(await readFile(cacheFile, 'utf8')) as DevArtifacts;
    } catch {
      // Not cached yet: compile below.
    }
  }

  const output = JSON.parse(solc.compile(input)) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);

  const artifacts: DevArtifacts = {};
  for (const file of Object.values(output.contracts ?? {})) {
    for (const [contractName, c] of Object.entries(file)) {
      if (c.evm.bytecode.object.length === 0) continue;
      artifacts[contractName] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        storageLayout: c.storageLayout,
      };
    }
  }
  if (options.cache !== false) {
    await mkdir(cacheDir, { recursive: true });
    // Write then rename so concurrent test workers never read a half-written cache file.
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(artifacts));
    await rename(tmp, cacheFile);
  }
  return artifacts;
}

/** Returns a compiled contract by name, failing loudly if the sources no longer define it. */
export function artifactOf(artifacts: DevArtifacts, name: string): DevArtifact {
  const artifact = artifacts[name];
  if (!artifact) throw new Error(`devnet contract ${name} was not compiled`);
  return artifact;
}
