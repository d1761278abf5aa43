/**
 * The query a list page asks for, shared by the page and by the boot prefetch: both must build
 * the very same body, or the prefetched answer would not be recognised (they compare the
 * serialised body).
 */
import type { FilterNode, ObjectMeta, QueryBody, SortSpec } from '../api/types';
import { defaultColumns, getField } from './fields';

export const PAGE_SIZE = 50;

const columnsKey = (object: string) => `keyi.columns.${object}`;

/** The columns this browser last chose for the object, else the object's defaults. */
export function loadColumns(obj: ObjectMeta): string[] {
  try {
    const raw = localStorage.getItem(columnsKey(obj.name));
    const list = raw ? (JSON.parse(raw) as string[]) : null;
    if (Array.isArray(list)) {
      const valid = list.filter((n) => getField(obj, n));
      if (valid.length) return valid;
    }
  } catch {
    /* storage unavailable or corrupt: defaults */
  }
  return defaultColumns(obj);
}

export function saveColumns(object: string, columns: string[]): void {
  try {
    localStorage.setItem(columnsKey(object), JSON.stringify(columns));
  } catch {
    /* storage unavailable: the choice lasts for this page only */
  }
}

export function listQueryBody(
  obj: ObjectMeta,
  columns: string[],
  filter: FilterNode | null,
  sort: SortSpec[],
  q: string,
): QueryBody {
  return { filter, sort, fields: Array.from(new Set(['id', obj.name_field, ...columns])), limit: PAGE_SIZE, q: q || null };
}
