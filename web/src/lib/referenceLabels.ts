/**
 * Titles for the record ids in a filter's reference conditions.
 *
 * The builder keeps a reference value as {value, label} so its chip reads "Account is any of
 * Huawei". A filter that arrives from elsewhere (a saved view, a link shared by a colleague or
 * made by the record page) carries only ids; without this its chips and pickers showed them.
 */
import { api } from '../api/endpoints';
import type { FieldMeta, ObjectMeta } from '../api/types';
import type { LookupValue } from '../fields/LookupSelect';
import { valueKind, type Condition, type FilterState } from './filter';

function isReference(field: FieldMeta | undefined, c: Condition): field is FieldMeta {
  if (!field?.target) return false;
  const kind = valueKind(field, c.op);
  return kind === 'reference' || kind === 'references';
}

function bareIds(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string');
}

/** Per target object, the ids in the state's reference conditions that have no title yet. */
export function unlabelledReferences(state: FilterState, resolve: (path: string) => FieldMeta | undefined): Map<string, string[]> {
  const byTarget = new Map<string, Set<string>>();
  for (const c of state.conditions) {
    const field = resolve(c.field);
    if (!isReference(field, c)) continue;
    const ids = bareIds(c.value);
    if (!ids.length) continue;
    const set = byTarget.get(field.target!) ?? new Set<string>();
    ids.forEach((id) => set.add(id));
    byTarget.set(field.target!, set);
  }
  return new Map([...byTarget].map(([target, ids]) => [target, [...ids]]));
}

/** The state with every bare id replaced by {value, label}: the record's title, or the id
 *  itself when the reader may not see that record (or it is gone). */
export function withLabels(state: FilterState, resolve: (path: string) => FieldMeta | undefined, titles: Map<string, string>): FilterState {
  const label = (v: unknown): unknown => (typeof v === 'string' ? ({ value: v, label: titles.get(v) ?? v } satisfies LookupValue) : v);
  return {
    ...state,
    conditions: state.conditions.map((c) => {
      if (!isReference(resolve(c.field), c) || !bareIds(c.value).length) return c;
      return { ...c, value: Array.isArray(c.value) ? c.value.map(label) : label(c.value) };
    }),
  };
}

/** Ask each target object for the titles of the ids (one query per object), as id → title. */
export async function fetchTitles(
  wanted: Map<string, string[]>,
  getObject: (name: string) => ObjectMeta | undefined,
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  await Promise.all(
    [...wanted].map(async ([target, ids]) => {
      const nameField = getObject(target)?.name_field ?? 'name';
      try {
        const page = await api.query(target, { filter: { field: 'id', op: 'in', value: ids }, fields: ['id', nameField], limit: ids.length }, signal);
        for (const r of page.records) {
          const title = r[nameField];
          if (title !== null && title !== undefined && title !== '') titles.set(String(r.id), String(title));
        }
      } catch {
        // No read access to the target object: the ids stay as they are.
      }
    }),
  );
  return titles;
}
