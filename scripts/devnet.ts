/** `npm run devnet`: starts the offline development chain (anvil as Base, chain id 8453) with Multicall3, a Uniswap
 * v4 PoolManager, the dev coin factory at Zora's factory address and the dev swap router, plus the local Zora API
 * stand-in; prints what a server needs to use them and runs until Ctrl-C. Development tooling only: every key it
 * prints is derived from anvil's public test mnemonic. Run with --help for the flags. */
import { parseArgs } from 'node:util';
import { startDevnet } from './devnet/startDevnet.ts';
import { startZoraApiStandIn } from './devnet/zoraApiStandIn.ts';

const USAGE = `Start the offline devnet (anvil as chain 8453 + development contracts) and the Zora API stand-in.

Usage: npm run devnet -- [options]

Options:
  --port <n>        anvil RPC port (default: a free port)
  --api-port <n>    Zora API stand-in port (default: a free port)
  --api-key <key>   API key the stand-in requires on /create/content (default: none required)
  --help            show this help`;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'api-port': { type: 'string' },
    'api-key': { type: 'string' },
    help: { type: 'boolean' },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const port = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    console.error(`--${name} must be a port number, got ${raw}\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
};

const anvilPort = port('port', values.port);
const apiPort = port('api-port', values['api-port']);
const devnet = await startDevnet(anvilPort === undefined ? {} : { port: anvilPort });
const standIn = await startZoraApiStandIn({
  devnet,
  ...(values['api-key'] === undefined ? {} : { apiKey: values['api-key'] }),
  ...(apiPort === undefined ? {} : { port: apiPort }),
});

console.log(`GigaVibe devnet (development only: public keys, no real funds)

  BASE_RPC_URL=${devnet.rpcUrl}
  CHAIN_ID=${devnet.chainId}
  PLATFORM_PRIVATE_KEY=${devnet.accounts.platform.privateKey}   # ${devnet.accounts.platform.address}
  ZORA_API_BASE_URL=${standIn.url}

  Multicall3           ${devnet.addresses.multicall3}
  v4 PoolManager       ${devnet.addresses.poolManager}
  Coin factory (dev)   ${devnet.addresses.coinFactory}
  Swap router (dev)    ${devnet.addresses.swapRouter}

  Funded accounts (10,000 ETH each):
${devnet.accounts.users.map((a) => `    ${a.address}  ${a.privateKey}`).join('\n')}

Ctrl-C to stop.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await standIn.close();
  await devnet.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
