/**
 * `route-preloads.json` in the build: for each first page (the shell, home, list, record,
 * kanban), the chunks and stylesheets its code needs.
 *
 * The entry imports a page's code only once it has run (src/boot.ts), one round trip after the
 * HTML arrived; on a cold first load of a list those chunks came ~0.1-0.2 s after everything
 * else. The server knows from the URL which page it is sending index.html for, so it lists that
 * page's files in the HTML (keyi.api.page_hints) and the browser fetches them with the rest.
 */
import type { Plugin } from 'vite';
import type { OutputBundle, OutputChunk } from 'rollup';

export const ROUTE_PRELOADS_FILE = 'route-preloads.json';

export interface RouteFiles {
  js: string[];
  css: string[];
}

function filesOf(bundle: OutputBundle, start: OutputChunk): RouteFiles {
  const js: string[] = [];
  const css = new Set<string>();
  const visit = (chunk: OutputChunk) => {
    if (js.includes(chunk.fileName)) return;
    js.push(chunk.fileName);
    for (const file of chunk.viteMetadata?.importedCss ?? []) css.add(file);
    for (const name of chunk.imports) {
      const next = bundle[name];
      if (next?.type === 'chunk') visit(next);
    }
  };
  visit(start);
  return { js, css: [...css] };
}

/** `routes` maps a route key (as src/routes.ts names it) to its module, e.g. '/src/pages/ListPage.tsx'. */
export function routePreloads(routes: Record<string, string>): Plugin {
  return {
    name: 'keyi:route-preloads',
    apply: 'build',
    generateBundle(_options, bundle) {
      const out: Record<string, RouteFiles> = {};
      for (const [key, module] of Object.entries(routes)) {
        // (a small page's module may have been merged into a shared chunk: experimentalMinChunkSize)
        const chunk = Object.values(bundle).find(
          (c): c is OutputChunk => c.type === 'chunk' && c.moduleIds.some((id) => id.endsWith(module)),
        );
        if (!chunk) this.error(`routePreloads: no chunk for ${module}`);
        out[key] = filesOf(bundle, chunk);
      }
      this.emitFile({ type: 'asset', fileName: ROUTE_PRELOADS_FILE, source: JSON.stringify(out, null, 1) });
    },
  };
}
