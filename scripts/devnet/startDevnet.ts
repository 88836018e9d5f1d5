import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { coinFactoryAddress } from '@zoralabs/protocol-deployments';
import {
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  pad,
  toHex,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { base } from 'viem/chains';
import { artifactOf, compileDevContracts } from './compile.ts';

/** The chain id the devnet runs as: Base's, because coins-sdk only accepts 8453 and 84532. */
export const DEVNET_CHAIN_ID = 8453;

/** Multicall3's canonical address, which viem's `base` chain definition points at. */
export const MULTICALL3_ADDRESS: Address = '0xcA11bde05977b3631167028862bE2a173976CA11';

/** Where the devnet's coin hook (DevCoinHook) lives: v4 reads a hook's permissions from its address's low 14 bits, and
 * these are exactly AFTER_SWAP_FLAG (1 << 6), the one callback the hook implements. */
export const DEV_COIN_HOOK_ADDRESS: Address = '0x00000000000000000000000000000000000DC040';

/** anvil's well-known development mnemonic: every devnet key is public and must never hold real funds. */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

/** A funded devnet account (its key is derived from the public development mnemonic). */
export type DevnetAccount = { address: Address; privateKey: Hex };

/** Addresses of the development contracts on the devnet. */
export type DevnetAddresses = {
  /** DevMulticall3's code at the canonical Multicall3 address. */
  multicall3: Address;
  /** Uniswap v4 PoolManager deployed from @uniswap/v4-core's published artifact. */
  poolManager: Address;
  /** DevCoinFactory's code at Zora's factory address for chain 8453 (coinFactoryAddress[8453]). */
  coinFactory: Address;
  /** DevSwapRouter, the target of the stand-in's /quote calls. */
  swapRouter: Address;
  /** DevCoinHook, the hook of every new coin's pool: emits Zora's Swapped event. */
  coinHook: Address;
};

/** A running devnet. */
export type Devnet = {
  rpcUrl: string;
  chainId: typeof DEVNET_CHAIN_ID;
  /** viem's `base` chain with its RPC URL pointed at the devnet. */
  chain: Chain;
  addresses: DevnetAddresses;
  accounts: {
    /** Deployed the devnet contracts; kept apart so the platform wallet's nonce starts at 0. */
    deployer: DevnetAccount;
    /** The platform wallet (PLATFORM_PRIVATE_KEY in devnet mode). */
    platform: DevnetAccount;
    /** Further funded accounts for artists and buyers. */
    users: DevnetAccount[];
  };
  /** anvil's process id, for diagnostics. */
  pid: number;
  /** Stops anvil; safe to call more than once. */
  stop(): Promise<void>;
};

/** Options for startDevnet. */
export type StartDevnetOptions = {
  /** TCP port for anvil; 0 (the default) picks a free one. */
  port?: number;
  /** How long to wait for anvil to listen, in ms. */
  startTimeoutMs?: number;
  /** Called with each line anvil prints (it is quiet otherwise). */
  onLog?: (line: string) => void;
  /** Keep the chain in this directory across restarts (anvil `--state`, dumped every second and on exit), so a
   * server restarted mid coin creation finds its transactions and coins again. Unset: a throwaway chain. */
  stateDir?: string;
};

/** Addresses of a persisted devnet's contracts, saved beside anvil's state. */
type SavedAddresses = { poolManager: Address; swapRouter: Address };

const ACCOUNT_COUNT = 10;
const BALANCE_ETH = 10_000;

/** Resolves the anvil binary shipped in @foundry-rs/anvil's per-platform optional dependency (no install script needed). */
export function anvilBinaryPath(): string {
  const os = { darwin: 'darwin', linux: 'linux', win32: 'win32' }[process.platform as string];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!os || !arch) throw new Error(`anvil is not published for ${process.platform}/${process.arch}`);
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  return createRequire(import.meta.url).resolve(`@foundry-rs/anvil-${os}-${arch}/bin/${exe}`);
}

/** Derives the i-th devnet account from the development mnemonic, as anvil does. */
export function devnetAccount(index: number): DevnetAccount {
  const hdKey = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index }).getHdKey();
  if (!hdKey.privateKey) throw new Error('mnemonic derivation gave no private key');
  const privateKey = toHex(hdKey.privateKey);
  return { address: privateKeyToAccount(privateKey).address, privateKey };
}

/** Starts anvil as chain 8453 on 127.0.0.1 (no fork, so it fetches nothing) and deploys the development stand-ins: Multicall3, a Uniswap v4 PoolManager, the dev coin factory at Zora's factory address, and the swap router. */
export async function startDevnet(options: StartDevnetOptions = {}): Promise<Devnet> {
  const artifacts = await compileDevContracts();
  const anvil = await spawnAnvil(options);
  try {
    const chain: Chain = { ...base, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain, transport });
    const testClient = createTestClient({ chain, transport, mode: 'anvil' });
    const deployer = devnetAccount(0);
    const wallet = createWalletClient({ chain, transport, account: privateKeyToAccount(deployer.privateKey) });

    const deploy = async (bytecode: Hex, abi: readonly unknown[], args: readonly unknown[]): Promise<Address> => {
      const hash = await wallet.deployContract({ abi, bytecode, args });
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error('devnet deployment reverted');
      return getAddress(receipt.contractAddress);
    };

    // Multicall3 is stateless, so copying its runtime code is enough.
    await testClient.setCode({
      address: MULTICALL3_ADDRESS,
      bytecode: artifactOf(artifacts, 'DevMulticall3').deployedBytecode,
    });

    const saved = await readSavedAddresses(options.stateDir, publicClient);
    let poolManager: Address;
    let swapRouter: Address;
    const coinFactory = coinFactoryAddress[DEVNET_CHAIN_ID];
    if (saved !== null) {
      // A persisted chain already holds everything (including the factory's code and storage).
      ({ poolManager, swapRouter } = saved);
    } else {
      // The PoolManager must be deployed normally: its immutables pin its own address (NoDelegateCall), so copied code
      // would revert with DelegateCallNotAllowed.
      const poolManagerArtifact = JSON.parse(
        await readFile(
          createRequire(import.meta.url).resolve('@uniswap/v4-core/out/PoolManager.sol/PoolManager.json'),
          'utf8',
        ),
      ) as { abi: readonly unknown[]; bytecode: { object: Hex } };
      poolManager = await deploy(poolManagerArtifact.bytecode.object, poolManagerArtifact.abi, [deployer.address]);

      // coins-sdk insists that the create call goes to coinFactoryAddress[chainId], so the dev factory's code is placed
      // there and its one storage slot (the PoolManager) is written directly.
      const factory = artifactOf(artifacts, 'DevCoinFactory');
      await testClient.setCode({ address: coinFactory, bytecode: factory.deployedBytecode });
      const slot = factory.storageLayout.storage.find((s) => s.label === 'poolManager');
      if (slot?.offset !== 0) throw new Error('DevCoinFactory.poolManager storage slot not found');
      await testClient.setStorageAt({
        address: coinFactory,
        index: pad(toHex(BigInt(slot.slot))),
        value: pad(poolManager),
      });
      // The coin hook, like the factory: runtime code at a flag-bearing address, its PoolManager in slot 0.
      await testClient.setCode({
        address: DEV_COIN_HOOK_ADDRESS,
        bytecode: artifactOf(artifacts, 'DevCoinHook').deployedBytecode,
      });
      await testClient.setStorageAt({ address: DEV_COIN_HOOK_ADDRESS, index: pad('0x0'), value: pad(poolManager) });
      const hooksSlot = factory.storageLayout.storage.find((s) => s.label === 'hooks');
      if (hooksSlot?.offset !== 0) throw new Error('DevCoinFactory.hooks storage slot not found');
      await testClient.setStorageAt({
        address: coinFactory,
        index: pad(toHex(BigInt(hooksSlot.slot))),
        value: pad(DEV_COIN_HOOK_ADDRESS),
      });

      const router = artifactOf(artifacts, 'DevSwapRouter');
      swapRouter = await deploy(router.bytecode, router.abi, [poolManager]);
      if (options.stateDir !== undefined) {
        await writeFile(savedAddressesPath(options.stateDir), JSON.stringify({ poolManager, swapRouter }, null, 2));
      }
    }

    const accounts = {
      deployer,
      platform: devnetAccount(1),
      users: Array.from({ length: ACCOUNT_COUNT - 2 }, (_, i) => devnetAccount(i + 2)),
    };
    return {
      rpcUrl: anvil.rpcUrl,
      chainId: DEVNET_CHAIN_ID,
      chain,
      addresses: {
        multicall3: MULTICALL3_ADDRESS,
        poolManager,
        coinFactory,
        swapRouter,
        coinHook: DEV_COIN_HOOK_ADDRESS,
      },
      accounts,
      pid: anvil.pid,
      stop: anvil.stop,
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

async function spawnAnvil(
  options: StartDevnetOptions,
): Promise<{ rpcUrl: string; pid: number; stop(): Promise<void> }> {
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(options.port ?? 0),
    '--chain-id',
    String(DEVNET_CHAIN_ID),
    '--mnemonic',
    DEVNET_MNEMONIC,
    '--accounts',
    String(ACCOUNT_COUNT),
    '--balance',
    String(BALANCE_ETH),
    '--no-cors',
  ];
  if (options.stateDir !== undefined) {
    await mkdir(options.stateDir, { recursive: true });
    args.push('--state', path.join(options.stateDir, 'anvil-state.json'), '--state-interval', '1');
  }
  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('anvil did not start');

  // Never leave anvil behind when the parent exits, however it exits.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await killChild(child);
  };

  try {
    const rpcUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('anvil did not start listening in time')),
        options.startTimeoutMs ?? 15_000,
      );
      let buffered = '';
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          options.onLog?.(line);
          const match = /Listening on (127\.0\.0\.1:\d+)/.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(`http://${match[1]}`);
          }
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`anvil exited before listening (code ${code}, signal ${signal})`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return { rpcUrl, pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function savedAddressesPath(stateDir: string): string {
  return path.join(stateDir, 'devnet-addresses.json');
}

/** The saved contract addresses of a persisted devnet, if the loaded chain really has code at each of them. */
async function readSavedAddresses(
  stateDir: string | undefined,
  client: { getCode(args: { address: Address }): Promise<Hex | undefined> },
): Promise<SavedAddresses | null> {
  if (stateDir === undefined) return null;
  let saved: SavedAddresses;
  try {
    saved = JSON.parse(await readFile(savedAddressesPath(stateDir), 'utf8')) as SavedAddresses;
  } catch {
    return null;
  }
  for (const address of [
    saved.poolManager,
    saved.swapRouter,
    coinFactoryAddress[DEVNET_CHAIN_ID],
    DEV_COIN_HOOK_ADDRESS,
  ]) {
    const code = await client.getCode({ address });
    if (code === undefined || code === '0x') return null;
  }
  return saved;
}
