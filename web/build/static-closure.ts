/**
 * The modules some code needs when it runs, for build/chunk-plan.ts: which third-party modules
 * the first screens (sign-in page, shell, list) run, and so belong in the vendor chunk every page
 * loads.
 *
 * Rollup's own graph goes through barrels: the app imports `{ Table } from 'antd'` and
 * `{ PlusOutlined } from '@ant-design/icons'`, whose index modules re-export every component and
 * every icon, so "statically imported from the list page" would be all of antd and all ~830 icons.
 * Here a barrel import counts only for the names the module imports: a name is followed through
 * the barrel's `export { default as Table } from './table'` (or `export * from './icons'`) to the
 * module that defines it, and from there every static import is followed (inside a package the
 * imports are direct paths, e.g. antd's Modal imports `@ant-design/icons/es/icons/CloseOutlined`).
 *
 * The result is a superset of what tree-shaking keeps, so a chunk made of such a set never has to
 * import a lazy page's chunk: code the first screens run is never left in a chunk they skip.
 */
import path from 'node:path';
import type { ManualChunkMeta, ModuleInfo } from 'rollup';

/** Index modules that only re-export (package.json `sideEffects: false` or per-file). */
const BARRELS: Record<string, string> = {
  antd: 'node_modules/antd/es/index.js',
  '@ant-design/icons': 'node_modules/@ant-design/icons/es/index.js',
};

type Node = { type: string; [key: string]: unknown };

function isVendor(id: string): boolean {
  return id.includes('/node_modules/');
}

/** The barrels' module ids in this build, by import source ('antd' → …/antd/es/index.js). */
function barrelIds(api: ManualChunkMeta): Map<string, string> {
  const found = new Map<string, string>();
  for (const id of api.getModuleIds()) {
    for (const [source, suffix] of Object.entries(BARRELS)) if (id.endsWith('/' + suffix)) found.set(source, id);
  }
  return found;
}

/** The module a relative re-export source names (`./table` → `./table/index.js`). */
function resolveRelative(api: ManualChunkMeta, from: string, source: string): string | undefined {
  const base = path.join(path.dirname(from), source);
  for (const candidate of [base, base + '.js', path.join(base, 'index.js')]) {
    if (api.getModuleInfo(candidate)) return candidate;
  }
  return undefined;
}

function body(info: ModuleInfo): Node[] {
  const ast = info.ast as unknown as { body?: Node[] } | null;
  return ast?.body ?? [];
}

function sourceOf(node: Node): string | undefined {
  const source = node.source as { value?: unknown } | null | undefined;
  return typeof source?.value === 'string' ? source.value : undefined;
}

function nameOf(node: unknown): string {
  const n = node as { name?: string; value?: string };
  return n.name ?? n.value ?? '';
}

/** The module behind `name` exported by `barrel`, following `export … from` and `export *`. */
function definingModule(api: ManualChunkMeta, barrel: string, name: string, seen = new Set<string>()): string | undefined {
  if (seen.has(barrel)) return undefined;
  seen.add(barrel);
  const info = api.getModuleInfo(barrel);
  if (!info) return undefined;
  for (const node of body(info)) {
    const source = sourceOf(node);
    if (!source) continue;
    if (node.type === 'ExportNamedDeclaration') {
      const specifiers = (node.specifiers as Node[]) ?? [];
      if (specifiers.some((s) => nameOf(s.exported) === name)) return resolveRelative(api, barrel, source);
    } else if (node.type === 'ExportAllDeclaration' && !node.exported) {
      const next = resolveRelative(api, barrel, source);
      const found = next && definingModule(api, next, name, seen);
      if (found) return found;
    }
  }
  return undefined;
}

/** The module whose id ends with `suffix` (e.g. '/src/pages/ListPage.tsx'). */
export function moduleEnding(api: ManualChunkMeta, suffix: string): string {
  const found = [...api.getModuleIds()].find((id) => id.endsWith(suffix));
  if (!found) throw new Error(`static-closure: no module ${suffix}`);
  return found;
}

/**
 * Every module (app and third-party) that `seeds` need when they run, following static imports
 * only (a dynamic import() is a lazy page's own business) and the two barrels by name.
 */
export function staticClosure(api: ManualChunkMeta, seeds: string[]): Set<string> {
  const barrelBySource = barrelIds(api);
  const barrels = new Set(barrelBySource.values());
  const needed = new Set<string>();
  const queue: string[] = [];
  const add = (id: string | undefined) => {
    if (id && !needed.has(id)) {
      needed.add(id);
      queue.push(id);
    }
  };
  seeds.forEach(add);
  while (queue.length) {
    const id = queue.pop()!;
    const info = api.getModuleInfo(id);
    if (!info) continue;
    for (const imported of info.importedIds) if (!barrels.has(imported)) add(imported);
    if (isVendor(id) && !barrels.has(id)) continue; // packages import by path, not through the barrels
    for (const node of body(info)) {
      if (node.type !== 'ImportDeclaration' && node.type !== 'ExportNamedDeclaration') continue;
      const barrel = barrelBySource.get(sourceOf(node) ?? '');
      if (!barrel) continue;
      for (const specifier of (node.specifiers as Node[]) ?? []) {
        if (specifier.type === 'ImportNamespaceSpecifier') {
          add(barrel); // `import * as …`: every export (none today, but then it stays correct)
          continue;
        }
        const name = specifier.type === 'ImportDefaultSpecifier' ? 'default' : nameOf(specifier.imported ?? specifier.local);
        const found = definingModule(api, barrel, name);
        if (!found) throw new Error(`static-closure: ${name} not found in ${barrel} (imported by ${id})`);
        add(found);
      }
    }
  }
  return needed;
}
