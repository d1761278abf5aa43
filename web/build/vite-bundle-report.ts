/**
 * `npx vite build --mode report` writes `dist/bundle-report.txt`: each chunk's gzipped size, what
 * imports it statically, and its largest modules (rendered bytes, after tree-shaking and
 * minification of the chunk as a whole, so a module's share is approximate).
 *
 * The first list view's weight is the sum of the chunks index.html and route-preloads.json
 * name (tests/e2e/test_weight.py); this says which modules are in them and why, without a
 * visualizer dependency.
 */
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import type { OutputChunk } from 'rollup';

const TOP = 40;

function short(id: string): string {
  const nm = id.lastIndexOf('node_modules/');
  if (nm >= 0) return id.slice(nm + 'node_modules/'.length);
  const src = id.indexOf('/web/');
  return src >= 0 ? id.slice(src + 1) : id;
}

/** node_modules/<package> (or the app's folder) a module belongs to, for a per-package sum. */
function packageOf(id: string): string {
  const nm = id.lastIndexOf('node_modules/');
  if (nm < 0) return short(id);
  const parts = id.slice(nm + 'node_modules/'.length).split('/');
  const name = parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (name === '@ant-design/icons-svg' || name === '@ant-design/icons') return name + ' (' + parts[parts.length - 2] + ')';
  if (name === 'antd') return parts.slice(0, 3).join('/'); // antd/es/<component>
  return name;
}

export function bundleReport(): Plugin {
  return {
    name: 'keyi:bundle-report',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((c): c is OutputChunk => c.type === 'chunk');
      const importers = new Map<string, string[]>();
      for (const c of chunks) for (const i of c.imports) importers.set(i, [...(importers.get(i) ?? []), c.fileName]);
      const lines: string[] = [];
      // Per page: what opening it straight from a URL loads (the entry, the app, the shell when
      // signed in, the page), and what it adds once the first list view is in.
      const byName = new Map(chunks.map((c) => [c.fileName, c]));
      const gzipOf = new Map(chunks.map((c) => [c.fileName, gzipSync(c.code).length]));
      const closure = (starts: OutputChunk[]) => {
        const seen = new Set<string>();
        const visit = (c: OutputChunk) => {
          if (seen.has(c.fileName)) return;
          seen.add(c.fileName);
          for (const i of c.imports) visit(byName.get(i)!);
        };
        starts.forEach(visit);
        return seen;
      };
      const holding = (suffix: string) => chunks.find((c) => c.moduleIds.some((id) => id.endsWith(suffix)))!;
      const base = [chunks.find((c) => c.isEntry)!, holding('/src/root.tsx')];
      const firstList = closure([...base, holding('/src/components/Shell.tsx'), holding('/src/pages/ListPage.tsx')]);
      const sum = (files: Set<string>) => [...files].reduce((n, f) => n + gzipOf.get(f)!, 0);
      lines.push(`sign-in page: ${closure([...base, holding('/src/pages/LoginPage.tsx')]).size} chunks, ${sum(closure([...base, holding('/src/pages/LoginPage.tsx')]))} B gzip`);
      lines.push(`first list view: ${firstList.size} chunks, ${sum(firstList)} B gzip`);
      lines.push('page: chunks, gzip bytes when opened first | chunks, bytes more after the first list view');
      const pages = chunks.flatMap((c) => c.dynamicImports).filter((f, i, all) => all.indexOf(f) === i).map((f) => byName.get(f)!);
      for (const page of pages.filter((c) => c?.type === 'chunk').sort((a, b) => a.fileName.localeCompare(b.fileName))) {
        const own = closure([...base, holding('/src/components/Shell.tsx'), page]);
        const more = new Set([...own].filter((f) => !firstList.has(f)));
        lines.push(`  ${page.fileName.padEnd(56)} ${String(own.size).padStart(3)} ${String(sum(own)).padStart(7)} | ${String(more.size).padStart(3)} ${String(sum(more)).padStart(7)}`);
      }
      lines.push('');
      for (const c of chunks.sort((a, b) => b.code.length - a.code.length)) {
        const gz = gzipSync(c.code).length;
        lines.push(`${c.fileName}  ${c.code.length} B, gzip ${gz} B, ${Object.keys(c.modules).length} modules`);
        lines.push(`  imported by: ${(importers.get(c.fileName) ?? []).join(', ') || '(entry/dynamic only)'}`);
        lines.push(`  imports: ${c.imports.join(', ')}`);
        const byPackage = new Map<string, number>();
        for (const [id, m] of Object.entries(c.modules)) byPackage.set(packageOf(id), (byPackage.get(packageOf(id)) ?? 0) + m.renderedLength);
        const packages = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).filter(([, n]) => n > 0);
        for (const [name, n] of packages.slice(0, TOP)) lines.push(`    ${String(n).padStart(8)}  ${name}`);
        if (packages.length > TOP) lines.push(`    … ${packages.length - TOP} more`);
      }
      this.emitFile({ type: 'asset', fileName: 'bundle-report.txt', source: lines.join('\n') + '\n' });
    },
  };
}
