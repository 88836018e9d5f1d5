import { describe, expect, it } from 'vitest';
import { renderNotFoundPage, renderSharePage } from './renderSharePage.ts';

describe('renderSharePage', () => {
  it('escapes every value, the embed JSON included', () => {
    const html = renderSharePage({
      title: '"><script>x</script>',
      description: "it's <b>",
      pageUrl: 'https://app.example.com/p/0x1',
      imageUrl: 'https://app.example.com/i.png?a=1&b="2"',
      appUrl: 'https://app.example.com/app/p/0x1',
      embed: { miniapp: { t: '</script><script>' }, frame: {} },
    });
    expect(html).not.toMatch(/<script>|<b>|"2"/);
    expect(html).toContain('content="{&quot;t&quot;:&quot;&lt;/script&gt;&lt;script&gt;&quot;}"');
  });

  it('renders a not-found page that is not indexed', () => {
    expect(renderNotFoundPage('https://app.example.com/app')).toContain('noindex');
  });
});
