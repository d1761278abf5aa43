/**
 * The manual chunks of the build (vite.config.ts `manualChunks`), decided once per build from
 * what the first screens run.
 *
 * - `react`: React, ReactDOM, the router (and what they import).
 * - `antd` (a `vendor-*.js` file): every third-party module the sign-in page, the shell or a
 *   first list view runs — and nothing else. It held all of Ant Design and every icon any page
 *   imports (513 kB of JavaScript for the first list view, docs/benchmarks.md).
 * - `ListPage`: the list page with the app modules only it (of the first screens) needs; the
 *   record, recycle-bin, kanban and home pages import the ones they share from it. Left to
 *   rollup, those shared modules were a chunk of their own into which the minimum chunk size
 *   merged the recycle-bin, kanban and record-form code, all fetched by the first list view.
 * - `antd-lazy` (`vendor-lazy-*.js`): the rest of Ant Design (tables, tabs, trees, steps…) in
 *   one chunk the other pages share; left to rollup it became up to 7 more files for a setup page.
 * - echarts, in its own chunk, loaded by the charts only.
 *
 * The rest — lazy pages and the icons only they use — rollup places with the pages that import
 * them. With `onlyExplicitManualChunks` a chunk holds exactly the modules named here, so the
 * third-party sets are each closed under static imports (staticClosure): a vendor chunk never
 * imports an app chunk, and `ListPage` imports only the app chunks the first screens load anyway.
 */
import type { ManualChunkMeta } from 'rollup';
import { moduleEnding, staticClosure } from './static-closure';

export interface FirstScreens {
  /** Modules of the code every first screen runs (the app, the sign-in page, the shell). */
  shared: string[];
  /** The list page's module. */
  list: string;
}

const REACT = /node_modules\/(react|react-dom|scheduler|react-router|react-router-dom)\//;
const ECHARTS = /node_modules\/(echarts|zrender)\//;
const ANTD = /node_modules\/(antd|@ant-design|rc-[^/]+|@rc-component)\//;
/** One icon's modules: the component and its SVG data (~0.3 kB compressed together). */
const ICON = /node_modules\/@ant-design\/icons(-svg)?\/es\/(icons|asn)\//;

const isVendor = (id: string) => id.includes('/node_modules/');

export function chunkPlan(api: ManualChunkMeta, screens: FirstScreens): Map<string, string> {
  const plan = new Map<string, string>();
  const assign = (ids: Iterable<string>, chunk: string, keep: (id: string) => boolean = () => true) => {
    for (const id of ids) if (!plan.has(id) && keep(id)) plan.set(id, chunk);
  };
  const all = [...api.getModuleIds()];
  assign(staticClosure(api, all.filter((id) => REACT.test(id))), 'react');
  const shared = staticClosure(api, screens.shared.map((suffix) => moduleEnding(api, suffix)));
  const list = staticClosure(api, [moduleEnding(api, screens.list)]);
  assign([...shared, ...list], 'antd', isVendor);
  assign(list, 'ListPage', (id) => !isVendor(id) && !shared.has(id));
  assign(staticClosure(api, all.filter((id) => ECHARTS.test(id))), 'echarts');
  const lazyAntd = all.filter((id) => ANTD.test(id) && !ICON.test(id) && !plan.has(id));
  assign(staticClosure(api, lazyAntd), 'antd-lazy');
  return plan;
}
