/** What the page hands the client (src/webapp/client/types.ts `Boot`). */
export interface ShellBoot {
  publicUrl: string;
  chainId: number;
  quickAuthOrigin: string | null;
  initial: { key: string; data: unknown } | null;
}

export interface ShellInput {
  title: string;
  description: string;
  scriptUrl: string;
  style: string;
  boot: ShellBoot;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** JSON safe inside a <script> element: no `<` (so no `</script>` or `<!--`), and no U+2028/2029. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The app's HTML: the stylesheet inline and the first screen's data as JSON (so the first paint needs one script
 * request and no API call), the module script, and a noscript fallback. Pure. */
export function renderShell(input: ShellInput): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<meta name="theme-color" content="#f6f5fb" media="(prefers-color-scheme: light)">
<meta name="theme-color" content="#0f0d16" media="(prefers-color-scheme: dark)">
<title>${escapeHtml(input.title)}</title>
<meta name="description" content="${escapeHtml(input.description)}">
<style>${input.style.replace(/<\/style/gi, '<\\/style')}</style>
<script type="module" src="${escapeHtml(input.scriptUrl)}"></script>
</head>
<body>
<div id="app"><noscript><p class="notice">GigaVibe needs JavaScript.</p></noscript></div>
<script id="boot" type="application/json">${scriptSafeJson(input.boot)}</script>
</body>
</html>
`;
}
