import { useEffect, useState } from 'preact/hooks';
import { Avatar, Notice } from './components/ui.tsx';
import { type ClientSession, clientSession } from './farcaster.ts';
import { goBack, type Route, useRoute } from './router.ts';
import { Artist } from './screens/Artist.tsx';
import { Feed } from './screens/Feed.tsx';
import { PerformanceScreen } from './screens/PerformanceScreen.tsx';
import { Portfolio } from './screens/Portfolio.tsx';

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'feed':
      return <Feed />;
    case 'performance':
      return <PerformanceScreen key={route.castHash} castHash={route.castHash} />;
    case 'portfolio':
      return <Portfolio />;
    case 'artist':
      return <Artist key={route.fid} fid={route.fid} />;
    default:
      return <Notice tone="error">Nothing here. Go back to the feed.</Notice>;
  }
}

/** The shell: header with the signed-in user, the current screen, and the tab bar; the client's safe-area insets
 * pad it (CSS env() values cover the browser case). */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<ClientSession | null>(null);
  useEffect(() => {
    void clientSession().then((s) => {
      setSession(s);
      const insets = s?.insets;
      if (insets) {
        const style = document.documentElement.style;
        for (const side of ['top', 'bottom', 'left', 'right'] as const)
          style.setProperty(`--inset-${side}`, `${insets[side]}px`);
      }
    });
  }, []);
  const user = session?.user;
  const userName = user?.displayName ?? (user?.username ? `@${user.username}` : user ? `fid ${user.fid}` : '');
  return (
    <>
      <header class="top">
        {route.name === 'feed' || route.name === 'portfolio' ? (
          <span class="brand">GigaVibe</span>
        ) : (
          <button type="button" class="back" aria-label="Back" onClick={goBack}>
            ‹
          </button>
        )}
        {user && (
          <span class="me" data-fid={user.fid}>
            <Avatar url={user.pfpUrl} name={userName} size={28} />
            <span class="me-name">{userName}</span>
          </span>
        )}
      </header>
      <main id="main">
        <Screen route={route} />
      </main>
      <nav class="tabbar" aria-label="Sections">
        <a href="/app" aria-current={route.name === 'feed' ? 'page' : undefined}>
          Feed
        </a>
        <a href="/app/portfolio" aria-current={route.name === 'portfolio' ? 'page' : undefined}>
          Portfolio
        </a>
      </nav>
    </>
  );
}
