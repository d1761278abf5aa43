/**
 * The target grid's rows: departments as a tree, their people under them, one cell per period.
 *
 * A person's cell is their target record (if any). A department's cell is its own target when
 * one is set, else the sum of its people's and sub-departments' cells — the rule the attainment
 * service rolls targets up by (src/keyi/packages/sales/targets.py), so the grid shows the number
 * attainment will compare against. Sums are exact decimals (lib/decimal), never `Number`s.
 */
import { add } from '../lib/decimal';
import type { Department, Person, TargetRecord } from './api';

export interface GridCell {
  /** The target in this cell (a decimal string), or null when none is set or summed. */
  value: string | null;
  /** The row's own record for this period, when it has one. */
  record?: TargetRecord;
  /** A department's cell summed from below (no own target). */
  rolled: boolean;
}

export interface GridRow {
  key: string;
  kind: 'department' | 'user';
  id: string;
  name: string;
  cells: Record<string, GridCell>;
  /** The row's cells added up (null when all are empty). */
  total: string | null;
  children?: GridRow[];
}

function decimalString(value: number | string): string {
  return typeof value === 'number' ? String(value) : value;
}

function sum(values: (string | null)[]): string | null {
  const present = values.filter((v): v is string => v !== null);
  return present.length ? add(...present) : null;
}

function byName<T extends { name: string; id: string }>(a: T, b: T): number {
  return a.name.localeCompare(b.name, 'zh-CN') || a.id.localeCompare(b.id);
}

/**
 * Build the rows for the periods `starts`. `root` limits the tree to one department and those
 * below it. Departments with nobody below them and no target of their own are left out.
 */
export function buildGrid(departments: Department[], people: Person[], targets: TargetRecord[], starts: string[], root?: string | null): GridRow[] {
  const own = new Map<string, TargetRecord>(); // "user:<id>|<start>" → record
  for (const t of targets) {
    const subject = t.user ? `user:${t.user}` : t.department ? `department:${t.department}` : null;
    if (subject) own.set(`${subject}|${t.period_start}`, t);
  }
  const known = new Map(departments.map((d) => [d.id, d]));
  const childDepts = new Map<string | null, Department[]>();
  for (const d of departments) {
    const parent = d.parent && known.has(d.parent) ? d.parent : null;
    childDepts.set(parent, [...(childDepts.get(parent) ?? []), d]);
  }
  const members = new Map<string | null, Person[]>();
  for (const p of people) {
    const dept = p.department && known.has(p.department) ? p.department : null;
    members.set(dept, [...(members.get(dept) ?? []), p]);
  }

  const userRow = (p: Person): GridRow => {
    const cells: Record<string, GridCell> = {};
    for (const s of starts) {
      const record = own.get(`user:${p.id}|${s}`);
      cells[s] = { value: record ? decimalString(record.target) : null, record, rolled: false };
    }
    return { key: `user:${p.id}`, kind: 'user', id: p.id, name: p.name, cells, total: sum(starts.map((s) => cells[s].value)) };
  };

  const departmentRow = (d: Department, trail: Set<string>): GridRow | null => {
    if (trail.has(d.id)) return null; // a cycle the server's tree paths never allow
    const next = new Set(trail).add(d.id);
    const subDepts = (childDepts.get(d.id) ?? [])
      .slice()
      .sort(byName)
      .map((c) => departmentRow(c, next))
      .filter((r): r is GridRow => r !== null);
    const people = (members.get(d.id) ?? []).slice().sort(byName).map(userRow);
    const children = [...subDepts, ...people];
    const cells: Record<string, GridCell> = {};
    let hasOwn = false;
    for (const s of starts) {
      const record = own.get(`department:${d.id}|${s}`);
      if (record) {
        hasOwn = true;
        cells[s] = { value: decimalString(record.target), record, rolled: false };
      } else {
        cells[s] = { value: sum(children.map((c) => c.cells[s].value)), rolled: true };
      }
    }
    if (!children.length && !hasOwn) return null;
    return {
      key: `department:${d.id}`,
      kind: 'department',
      id: d.id,
      name: d.name,
      cells,
      total: sum(starts.map((s) => cells[s].value)),
      children: children.length ? children : undefined,
    };
  };

  if (root) {
    const d = known.get(root);
    const row = d ? departmentRow(d, new Set()) : null;
    return row ? [row] : [];
  }
  const tops = (childDepts.get(null) ?? [])
    .slice()
    .sort(byName)
    .map((d) => departmentRow(d, new Set()))
    .filter((r): r is GridRow => r !== null);
  const loose = (members.get(null) ?? []).slice().sort(byName).map(userRow);
  return [...tops, ...loose];
}

/** The departments in tree order (siblings by name) with their depth, for a picker. */
export function departmentTree(departments: Department[]): { id: string; name: string; depth: number }[] {
  const known = new Set(departments.map((d) => d.id));
  const children = new Map<string | null, Department[]>();
  for (const d of departments) {
    const parent = d.parent && known.has(d.parent) ? d.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), d]);
  }
  const out: { id: string; name: string; depth: number }[] = [];
  const seen = new Set<string>();
  const visit = (parent: string | null, depth: number) => {
    for (const d of (children.get(parent) ?? []).slice().sort(byName)) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      out.push({ id: d.id, name: d.name, depth });
      visit(d.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}
