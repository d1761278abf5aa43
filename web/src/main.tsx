import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
// antd's CSS rendered at build time (build/vite-antd-css.ts), then the app's own on top of it
import 'virtual:antd.css';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
