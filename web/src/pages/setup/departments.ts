/**
 * The department tree as plain data. Departments are records of the `department` object with a
 * `parent` lookup; the Setup screen loads them all (companies have tens or hundreds, not
 * millions), builds the tree here, and moves a department by PATCHing its parent — the server
 * moves the subtree's paths and refuses a department inside itself.
 */
import type { RecordData } from '../../api/types';

export interface Department {
  id: string;
  name: string;
  parent: string | null;
  manager: string | null;
  managerName: string | null;
  version?: number;
}

export interface DepartmentNode {
  key: string;
  department: Department;
  children: DepartmentNode[];
}

function ref(v: unknown): string | null {
  if (typeof v === 'string' && v) return v;
  if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') return (v as { id: string }).id;
  return null;
}

/** A department record as the records API answers it (titles of lookups in `_display`). */
export function toDepartment(r: RecordData): Department {
  return {
    id: String(r.id),
    name: typeof r.name === 'string' && r.name ? r.name : String(r.id),
    parent: ref(r.parent),
    manager: ref(r.manager),
    managerName: r._display?.manager ?? null,
    version: typeof r.version === 'number' ? r.version : undefined,
  };
}

const byName = (a: DepartmentNode, b: DepartmentNode) => a.department.name.localeCompare(b.department.name, 'zh-CN');

/**
 * Roots are departments without a parent, or whose parent is not in the list (deleted, or
 * not readable); a department caught in a loop (never made by the server, but data can be
 * imported) is shown as a root rather than lost.
 */
export function buildTree(departments: readonly Department[]): DepartmentNode[] {
  const nodes = new Map(departments.map((d) => [d.id, { key: d.id, department: d, children: [] as DepartmentNode[] }]));
  const roots: DepartmentNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.department.parent ? nodes.get(node.department.parent) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const reached = new Set<string>();
  const walk = (list: DepartmentNode[]) => {
    list.sort(byName);
    for (const n of list) {
      if (reached.has(n.key)) continue;
      reached.add(n.key);
      walk(n.children);
    }
  };
  walk(roots);
  for (const node of nodes.values()) {
    if (reached.has(node.key)) continue;
    // Part of a loop: cut it here.
    const parent = node.department.parent ? nodes.get(node.department.parent) : undefined;
    if (parent) parent.children = parent.children.filter((c) => c !== node);
    roots.push(node);
    walk([node]);
  }
  roots.sort(byName);
  return roots;
}

/** The department and everything below it. */
export function subtreeIds(departments: readonly Department[], id: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const d of departments) if (d.parent) children.set(d.parent, [...(children.get(d.parent) ?? []), d.id]);
  const out = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const next = stack.pop()!;
    if (out.has(next)) continue;
    out.add(next);
    stack.push(...(children.get(next) ?? []));
  }
  return out;
}

/** The departments above `id`, nearest last (for expanding the tree down to it). */
export function ancestorIds(departments: readonly Department[], id: string): string[] {
  const byId = new Map(departments.map((d) => [d.id, d]));
  const out: string[] = [];
  let current = byId.get(id)?.parent ?? null;
  while (current && byId.has(current) && !out.includes(current) && current !== id) {
    out.unshift(current);
    current = byId.get(current)?.parent ?? null;
  }
  return out;
}

/** "销售中心 / 华东销售部": a department's place in the tree, for pickers. */
export function pathLabel(departments: readonly Department[], id: string): string {
  const byId = new Map(departments.map((d) => [d.id, d]));
  return [...ancestorIds(departments, id), id].map((x) => byId.get(x)?.name ?? x).join(' / ');
}

/** Where a department may move: anywhere but into itself or below itself, nor where it is. */
export function moveTargets(departments: readonly Department[], id: string): { value: string; label: string }[] {
  const excluded = subtreeIds(departments, id);
  const current = departments.find((d) => d.id === id)?.parent ?? null;
  return departments
    .filter((d) => !excluded.has(d.id) && d.id !== current)
    .map((d) => ({ value: d.id, label: pathLabel(departments, d.id) }))
    .sort((a, b) => a.label.localeCompare(b.label, 'zh-CN'));
}

/** What an antd Tree drop means (the parts of its onDrop info used here). */
export interface DropInfo {
  dragKey: string;
  dropKey: string;
  /** Dropped between nodes (a sibling of dropKey) rather than onto it (a child). */
  dropToGap: boolean;
}

/**
 * The new parent for a drag and drop: a child of the node dropped onto, or a sibling of the
 * node dropped beside. `undefined` when nothing changes or the move is impossible (into its
 * own subtree); `null` moves it to the top level.
 */
export function dropParent(departments: readonly Department[], drop: DropInfo): string | null | undefined {
  const byId = new Map(departments.map((d) => [d.id, d]));
  const dragged = byId.get(drop.dragKey);
  const target = byId.get(drop.dropKey);
  if (!dragged || !target || drop.dragKey === drop.dropKey) return undefined;
  const parent = drop.dropToGap ? (target.parent && byId.has(target.parent) ? target.parent : null) : target.id;
  if (parent === dragged.parent) return undefined;
  if (parent && subtreeIds(departments, dragged.id).has(parent)) return undefined;
  return parent;
}

/** User counts per department from an aggregate grouped by `department`. */
export function countsByDepartment(groups: readonly { key: Record<string, unknown>; values: Record<string, number | null> }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of groups) {
    const id = ref(g.key.department);
    if (id) out[id] = Number(g.values.count ?? 0);
  }
  return out;
}
