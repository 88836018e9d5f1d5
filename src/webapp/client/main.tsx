import { render } from 'preact';
import { App } from './App.tsx';
import { signalReady } from './farcaster.ts';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
  // Preact rendered synchronously; the next frame is the first paint of real content, then the client may drop its
  // splash screen.
  requestAnimationFrame(() => setTimeout(signalReady, 0));
}
