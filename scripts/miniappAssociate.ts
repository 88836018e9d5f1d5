/** `npm run miniapp:associate -- --fid N`: how to produce the manifest's accountAssociation (a JSON Farcaster
 * Signature by the fid's custody address over the app's domain), and, given a custody key, signing one for
 * development. Prints the MINIAPP_ACCOUNT_ASSOCIATION line to put in .env. Run with --help for the flags. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Hex, hexToBytes, verifyMessage } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { loadDotEnv } from '../src/config/loadDotEnv.ts';
import type { AccountAssociation } from '../src/miniapp/parseAccountAssociation.ts';

const USAGE = `Make the mini app manifest's account association (MINIAPP_ACCOUNT_ASSOCIATION).

Usage: npm run miniapp:associate -- --fid <n> [--domain <host>] [--key-file <path> | --key <0x…>]

In production, sign it with the account that owns the fid, in a Farcaster client: open the Farcaster app's
developer tools (Settings > Developer > Domains / "Mini App Manifest Tool" at farcaster.xyz/~/developers), enter
the domain (the host of PUBLIC_URL, no scheme, no port), sign with the account, and copy the
{"header","payload","signature"} it shows into MINIAPP_ACCOUNT_ASSOCIATION (or its three parts into
MINIAPP_ASSOCIATION_HEADER, _PAYLOAD and _SIGNATURE).

For development (a test fid whose custody key you hold), give the custody key and this command signs it:
  header    = base64url({"fid":N,"type":"custody","key":"0x<custody address>"})
  payload   = base64url({"domain":"<host>"})
  signature = base64url(EIP-191 personal_sign of "<header>.<payload>" by the custody key, 65 bytes)

Options:
  --fid <n>          the fid that owns the app (required)
  --domain <host>    the app's domain (default: the host of PUBLIC_URL, else localhost)
  --key-file <path>  a file holding the custody private key (0x + 64 hex digits); safer than --key
  --key <0x…>        the custody private key itself (ends up in shell history)
  --help             show this help`;

const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

/** Sign an account association for `domain` with the fid's custody key. */
export async function signAccountAssociation(options: {
  fid: number;
  domain: string;
  privateKey: Hex;
}): Promise<AccountAssociation> {
  const account = privateKeyToAccount(options.privateKey);
  const header = b64url(JSON.stringify({ fid: options.fid, type: 'custody', key: account.address }));
  const payload = b64url(JSON.stringify({ domain: options.domain }));
  const signature = await account.signMessage({ message: `${header}.${payload}` });
  return { header, payload, signature: b64url(hexToBytes(signature)) };
}

/** Check an association's signature against the address its header names (EOA custody keys only). */
export async function verifyAccountAssociation(association: AccountAssociation): Promise<boolean> {
  const header = JSON.parse(Buffer.from(association.header, 'base64url').toString('utf8')) as { key: Hex };
  const signature = `0x${Buffer.from(association.signature, 'base64url').toString('hex')}` as Hex;
  return verifyMessage({ address: header.key, message: `${association.header}.${association.payload}`, signature });
}

async function main(): Promise<number> {
  let flags: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      options: {
        fid: { type: 'string' },
        domain: { type: 'string' },
        'key-file': { type: 'string' },
        key: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  try {
    flags = parse();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values } = flags;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const fid = Number(values.fid);
  if (!Number.isSafeInteger(fid) || fid <= 0) {
    process.stderr.write(`--fid must be a positive integer\n\n${USAGE}\n`);
    return 2;
  }
  loadDotEnv();
  const publicUrl = process.env.PUBLIC_URL;
  const domain = values.domain ?? (publicUrl ? new URL(publicUrl).hostname : 'localhost');
  const key = values['key-file'] ? (await readFile(values['key-file'], 'utf8')).trim() : values.key;
  if (key === undefined) {
    process.stdout.write(`${USAGE}\n\nNo key given: sign for fid ${fid} and domain ${domain} in a Farcaster client.\n`);
    return 0;
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    process.stderr.write('the custody key must be 0x followed by 64 hex digits\n');
    return 2;
  }
  const association = await signAccountAssociation({ fid, domain, privateKey: key as Hex });
  if (!(await verifyAccountAssociation(association))) throw new Error('the signature did not verify');
  process.stderr.write(
    `Signed for fid ${fid}, domain ${domain}, custody ${privateKeyToAccount(key as Hex).address}.\n` +
      'The fid must be owned by that address (its custody address on the IdRegistry), or clients refuse it.\n',
  );
  process.stdout.write(`MINIAPP_ACCOUNT_ASSOCIATION='${JSON.stringify(association)}'\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
