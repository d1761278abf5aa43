/**
 * Ant Design's CSS as a file, made at build time.
 *
 * antd 5 writes its CSS in JavaScript: the first time each component renders, it computes its
 * design tokens, builds a style object, serialises it with stylis and inserts a <style> tag.
 * Measured on a cold first load of a list page that was a few hundred milliseconds of the
 * browser's main thread, spent before any row could appear.
 *
 * antd has a documented way out ("whole export", used by its own site): render the components
 * once with the app's theme, collect their CSS with @ant-design/cssinjs's `extractStyle`, and
 * ship it as a stylesheet. The stylesheet ends with a map of every style it holds; at run time
 * cssinjs reads that map and, for a style already in the file, skips generating it. A style
 * missing from the file (a component state rendered here for the first time) is still generated
 * at run time as before, so a gap costs time, never looks.
 *
 * Import `virtual:antd.css` once, before the app's own CSS. antd-catalog.tsx lists what is
 * rendered; it uses src/theme.ts, the same theme App.tsx gives its ConfigProvider (a different
 * theme would only make the map miss).
 */
import type { Plugin } from 'vite';

const ID = 'virtual:antd.css';
const RESOLVED = '\0' + ID;

async function render(themeModule: string, catalogModule: string): Promise<string> {
  const { runnerImport } = await import('vite');
  const { module: theme } = await runnerImport<typeof import('../src/theme')>(themeModule);
  const { module: catalog } = await runnerImport<typeof import('./antd-catalog')>(catalogModule);
  return catalog.renderAntdCss(theme.THEME);
}

export function antdStaticCss(themeModule: string, catalogModule: string): Plugin {
  let css: Promise<string> | null = null;
  return {
    name: 'keyi:antd-static-css',
    resolveId(id) {
      return id === ID ? RESOLVED : undefined;
    },
    load(id) {
      if (id !== RESOLVED) return undefined;
      css ??= render(themeModule, catalogModule);
      return css;
    },
  };
}
