import { describe, expect, it } from 'vitest';
import { renderShell, scriptSafeJson } from './renderShell.ts';

describe('scriptSafeJson', () => {
  it('cannot close its script element or start a comment, and round-trips', () => {
    const hostile = { title: '</script><script>alert(1)</script><!-- \u2028\u2029 &amp;' };
    const text = scriptSafeJson(hostile);
    expect(text).not.toMatch(/<|\u2028|\u2029/);
    expect(JSON.parse(text)).toEqual(hostile);
  });
});

describe('renderShell', () => {
  it('escapes the title and script URL, and keeps a stylesheet from closing its element', () => {
    const html = renderShell({
      title: '<b>"x"</b>',
      description: 'd',
      scriptUrl: '/app/assets/app.1.js?"',
      style: 'a{}</style><script>alert(1)</script>',
      boot: { publicUrl: 'https://x.example', chainId: 8453, quickAuthOrigin: null, initial: null },
    });
    expect(html).toContain('<title>&#60;b&#62;&#34;x&#34;&#60;/b&#62;</title>');
    expect(html).toContain('src="/app/assets/app.1.js?&#34;"');
    expect(html).not.toContain('</style><script>');
    // Inside <style> only `</style` ends the element; the stylesheet's own copy is escaped.
    expect(html.match(/<\/style/gi)).toHaveLength(1);
  });
});
