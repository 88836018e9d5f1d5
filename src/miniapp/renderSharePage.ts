/** What a share page shows. */
export interface SharePageInput {
  title: string;
  description: string;
  /** The page's own URL (og:url). */
  pageUrl: string;
  imageUrl: string;
  /** Where a browser goes: the performance in the app. */
  appUrl: string;
  embed: { miniapp: object; frame: object };
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The HTML of a performance's share page: the `fc:miniapp` embed (and `fc:frame`, its legacy name), Open Graph and
 * Twitter tags for the rest of the web, and for browsers a refresh into the app with a plain link. Every value is
 * escaped. Pure. https://miniapps.farcaster.xyz/docs/guides/sharing */
export function renderSharePage(input: SharePageInput): string {
  const title = escapeHtml(input.title);
  const description = escapeHtml(input.description);
  const appUrl = escapeHtml(input.appUrl);
  const image = escapeHtml(input.imageUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
<meta name="fc:miniapp" content="${escapeHtml(JSON.stringify(input.embed.miniapp))}">
<meta name="fc:frame" content="${escapeHtml(JSON.stringify(input.embed.frame))}">
<meta property="og:type" content="website">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${escapeHtml(input.pageUrl)}">
<meta property="og:image" content="${image}">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="800">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:image" content="${image}">
<link rel="canonical" href="${escapeHtml(input.pageUrl)}">
<meta http-equiv="refresh" content="0; url=${appUrl}">
</head>
<body>
<main>
<h1>${title}</h1>
<p>${description}</p>
<p><a href="${appUrl}">Open in GigaVibe</a></p>
</main>
</body>
</html>
`;
}

/** The page of a cast that is not a (visible) performance. */
export function renderNotFoundPage(homeUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Performance not found</title><meta name="robots" content="noindex"></head>
<body><main><h1>Performance not found</h1><p>It may have been deleted, or the link is wrong.</p>
<p><a href="${escapeHtml(homeUrl)}">Open GigaVibe</a></p></main></body>
</html>
`;
}
