/** The mini app's live count (`npm run bench:miniapp`): how long after a Neynar webhook delivery is acknowledged (its
 * 200 received) the new like count is visible in the app, at a performance, inside the host page. The page records
 * (Date.now(), the animation frame that paints the change) each new text of the large likes count; the bench takes
 * Date.now() when the 200 arrives. Both clocks are this machine's. */
import type { Browser } from 'playwright-core';
import { reaction, signed, user } from '../neynarPayloads.ts';

const LIKES = '.counts-large [data-metric="likes"] .num';

/** In every frame: when the stream's `ready` event arrives, and each new text of the likes count with the wall-clock
 * time of the animation frame that paints it. */
const OBSERVE = `(() => {
  const Native = globalThis.EventSource;
  if (Native) {
    globalThis.EventSource = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('ready', () => { globalThis.benchStreamReady = Date.now(); });
      }
    };
  }
  globalThis.benchLikes = [];
  let last = null;
  new MutationObserver(() => {
    const text = document.querySelector(${JSON.stringify(LIKES)})?.textContent ?? null;
    if (text === null || text === last) return;
    last = text;
    requestAnimationFrame(() => globalThis.benchLikes.push({ text, at: Date.now() }));
  }).observe(document, { childList: true, subtree: true, characterData: true });
})();`;

export interface LiveCountOptions {
  browser: Browser;
  /** The host page's origin (it embeds the app in an iframe from another origin). */
  hostOrigin: string;
  port: number;
  secret: string;
  castHash: string;
  deliveries: number;
  /** Reactor fids start here, one new fan per like (a repeated like changes no count). */
  firstFid: number;
}

/** Delivers `deliveries` signed likes one after another, each once the previous one is on screen; returns the delays
 * (visible − acknowledged, ms). */
export async function measureLiveCount(options: LiveCountOptions): Promise<number[]> {
  const { browser, hostOrigin, port, secret, castHash } = options;
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    await context.addInitScript(OBSERVE);
    const page = await context.newPage();
    await page.exposeFunction('hostRpc', async () => ({ error: { code: 4200, message: 'no wallet in the bench' } }));
    await page.exposeFunction('hostSignIn', async () => ({ message: '', signature: '' }));
    const query = new URLSearchParams({ app: `http://localhost:${port}/app/p/${castHash}`, fid: '1' });
    await page.goto(`${hostOrigin}/?${query}`);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    if (frame === null) throw new Error('no iframe');
    await frame.waitForSelector(LIKES, { timeout: 30_000 });
    await frame.waitForFunction(
      () => typeof (globalThis as { benchStreamReady?: number }).benchStreamReady === 'number',
      undefined,
      {
        timeout: 30_000,
      },
    );
    const delays: number[] = [];
    for (let i = 0; i < options.deliveries; i++) {
      const before = Number(await frame.locator(LIKES).textContent());
      const like = reaction({
        kind: 'created',
        type: 1,
        castHash,
        reactor: user(options.firstFid + i, { score: 0.9 }),
        at: Date.now(),
      });
      const s = await signed(secret, like);
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/neynar`, {
        method: 'POST',
        body: s.body,
        headers: s.headers,
      });
      const acknowledged = Date.now();
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`like ${i}: the webhook answered ${res.status}`);
      const want = String(before + 1);
      const handle = await frame.waitForFunction(
        (text) =>
          (globalThis as unknown as { benchLikes: { text: string; at: number }[] }).benchLikes.find(
            (e) => e.text === text,
          )?.at,
        want,
        { timeout: 10_000, polling: 50 },
      );
      const visible = await handle.jsonValue();
      if (visible === undefined) throw new Error(`like ${i}: no time recorded for the count ${want}`);
      delays.push(visible - acknowledged);
    }
    return delays;
  } finally {
    await context.close();
  }
}
