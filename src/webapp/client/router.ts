import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'feed' }
  | { name: 'performance'; castHash: string }
  | { name: 'portfolio' }
  | { name: 'artist'; fid: number }
  | { name: 'notFound' };

/** The app's deep links: /app, /app/p/:castHash, /app/portfolio, /app/artist/:fid. */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/app') return { name: 'feed' };
  if (path === '/app/portfolio') return { name: 'portfolio' };
  const performance = /^\/app\/p\/(0x[0-9a-fA-F]{40})$/.exec(path);
  if (performance?.[1]) return { name: 'performance', castHash: performance[1].toLowerCase() };
  const artist = /^\/app\/artist\/([1-9]\d{0,11})$/.exec(path);
  if (artist?.[1]) return { name: 'artist', fid: Number(artist[1]) };
  return { name: 'notFound' };
}

const listeners = new Set<() => void>();
let depth = 0;

/** Back within the app when it navigated here itself; to the feed when the app was opened at this deep link. */
export function goBack(): void {
  if (depth > 0) {
    depth -= 1;
    history.back();
  } else navigate('/app');
}

export function navigate(path: string): void {
  if (path === location.pathname) return;
  depth += 1;
  history.pushState(null, '', path);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    for (const listener of listeners) listener();
  });
  // Same-origin links inside the app navigate without a page load.
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    const href = anchor?.getAttribute('href');
    if (!anchor || !href?.startsWith('/app') || anchor.target === '_blank') return;
    event.preventDefault();
    navigate(href);
  });
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return route;
}
