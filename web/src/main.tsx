/**
 * The entry: a few kilobytes that run as soon as they arrive.
 *
 * Before, the entry imported the whole app (React, antd, every shared module), so nothing ran
 * until ~1.6 MB of JavaScript had downloaded and evaluated; the list's own query could only be
 * sent after that, ~0.3 s after the metadata it needs had arrived. Now the entry starts the
 * session, metadata and list requests (src/boot.ts) and asks for the app and the route's code
 * all at once, and renders when the code, the session and the metadata are in: one render with
 * everything, instead of a spinner for each of them in turn.
 */
// antd's CSS rendered at build time (build/vite-antd-css.ts), then the app's own on top of it
import 'virtual:antd.css';
import './styles.css';
import { startBoot } from './boot';
import { routeLoaders } from './routes';
import { mountWhenReady } from './start';

const ready = startBoot(window.location.pathname, routeLoaders);
void mountWhenReady(document.getElementById('root')!, import('./root'), ready);
