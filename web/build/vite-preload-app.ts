/**
 * `<link rel="modulepreload">` in index.html for a module the entry imports dynamically, and for
 * every chunk it imports.
 *
 * The entry (src/main.tsx) is kept tiny so it runs, and starts the boot requests, as soon as it
 * arrives; it then imports the app (src/root.tsx) dynamically. Vite preloads a dynamic import's
 * chunks only when the import runs, one round trip after the entry arrived; listed in the HTML,
 * the ~1.6 MB of React and antd start downloading with the entry instead.
 */
import type { Plugin } from 'vite';
import type { OutputBundle, OutputChunk } from 'rollup';

function chunksOf(bundle: OutputBundle, start: OutputChunk): string[] {
  const seen = new Set<string>();
  const visit = (chunk: OutputChunk) => {
    if (seen.has(chunk.fileName)) return;
    seen.add(chunk.fileName);
    for (const name of chunk.imports) {
      const next = bundle[name];
      if (next?.type === 'chunk') visit(next);
    }
  };
  visit(start);
  return [...seen];
}

export function preloadDynamicEntry(moduleSuffix: string): Plugin {
  return {
    name: 'keyi:preload-dynamic-entry',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        if (!ctx.bundle) return undefined;
        const entry = Object.values(ctx.bundle).find(
          (c): c is OutputChunk => c.type === 'chunk' && c.moduleIds.some((id) => id.endsWith(moduleSuffix)),
        );
        if (!entry) throw new Error(`preloadDynamicEntry: no chunk for ${moduleSuffix}`);
        const entries = new Set(Object.values(ctx.bundle).flatMap((c) => (c.type === 'chunk' && c.isEntry ? [c.fileName] : [])));
        return chunksOf(ctx.bundle, entry)
          .filter((file) => !entries.has(file)) // already a <script> of the page
          .map((file) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` },
            injectTo: 'head' as const,
          }));
      },
    },
  };
}
