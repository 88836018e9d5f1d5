/** `npm run bench:render-memory`: how much memory drawing frame images takes in one V8 isolate, as evidence for the
 * Workers 128 MB isolate limit (workerd exposes no memory figure locally). Runs the frames' own renderer (satori +
 * resvg WebAssembly + the bundled fonts) in this process with --expose-gc and prints the JS heap plus external memory
 * (ArrayBuffers and WebAssembly memory: what an isolate's limit counts) before, after loading, and at the peak of
 * `--renders` distinct cards, each measured after a full collection. */
import { parseArgs } from 'node:util';
import { buildTradeCard, NOT_FOUND_CARD } from '../../frames/buildCards.ts';
import { createCardRenderer } from '../../frames/createCardRenderer.ts';
import { loadFrameFonts } from '../../frames/loadFrameFonts.ts';
import { loadResvgWasm } from '../../frames/loadResvgWasm.ts';

const { values } = parseArgs({ options: { renders: { type: 'string', default: '40' } } });
const renders = Number(values.renders);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:render-memory does)');

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
function sample(label: string): number {
  gc?.();
  const m = process.memoryUsage();
  const isolate = m.heapUsed + m.external;
  console.log(
    `${label.padEnd(28)} heap used ${mib(m.heapUsed).padStart(6)} MiB  external ${mib(m.external).padStart(6)} MiB  ` +
      `heap+external ${mib(isolate).padStart(6)} MiB  rss ${mib(m.rss).padStart(6)} MiB`,
  );
  return isolate;
}

const base = sample('before anything');
const renderer = createCardRenderer({ fonts: loadFrameFonts, loadResvgWasm });
const tools = await renderer();
await tools.render(NOT_FOUND_CARD);
const loaded = sample('fonts + resvg + first card');
let peak = loaded;
let bytes = 0;
for (let i = 0; i < renders; i++) {
  const txHash = `0x${i.toString(16).padStart(64, '0')}` as const;
  const card = buildTradeCard(
    null,
    { status: 'confirmed', amountInWei: String(10n ** 15n * BigInt(i + 1)), txHash },
    tools.clean,
  );
  const png = await tools.render(card);
  bytes += png.byteLength;
  const m = process.memoryUsage();
  peak = Math.max(peak, m.heapUsed + m.external);
}
const after = sample(`after ${renders} renders`);
console.log(`peak heap+external while rendering: ${mib(peak)} MiB (no collection between renders)`);
console.log(
  `renderer cost: ${mib(loaded - base)} MiB loaded, ${mib(peak - base)} MiB at peak; PNGs ${(bytes / renders / 1024).toFixed(0)} KiB each`,
);
console.log(`retained after renders: ${mib(after - base)} MiB`);
