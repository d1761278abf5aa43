/**
 * A role's permission matrix as plain data. The server replaces the whole matrix on save and an
 * object left out loses all access, so the editor always sends every object it shows.
 */
import type { FieldAccess, ObjectPermission, RolePermissions, Scope } from './api';

export const SCOPES: Scope[] = ['own', 'subordinates', 'department', 'all'];
export const FLAGS = ['read', 'create', 'edit', 'delete'] as const;
export type Flag = (typeof FLAGS)[number];

/** Objects whose access the server fixes (read-only for everyone but administrators). */
export const ADMINISTERED = new Set(['user', 'department', 'role', 'pool', 'pool_member']);

export function noAccess(): ObjectPermission {
  return { read: false, create: false, edit: false, delete: false, read_scope: 'all', edit_scope: 'own', fields: {} };
}

export type Matrix = Record<string, ObjectPermission>;

/** One row per editable object, filled from what the server holds. */
export function matrixFor(objects: string[], current: RolePermissions | null): Matrix {
  const out: Matrix = {};
  for (const name of objects) {
    if (ADMINISTERED.has(name)) continue;
    const p = current?.objects?.[name];
    out[name] = p ? { ...noAccess(), ...p, fields: { ...(p.fields ?? {}) } } : noAccess();
  }
  return out;
}

/**
 * Tick or untick one operation. Create, edit and delete need read, so ticking them ticks read;
 * unticking read unticks the rest.
 */
export function setFlag(matrix: Matrix, object: string, flag: Flag, value: boolean): Matrix {
  const p = { ...(matrix[object] ?? noAccess()) };
  p[flag] = value;
  if (flag === 'read' && !value) {
    p.create = false;
    p.edit = false;
    p.delete = false;
  }
  if (flag !== 'read' && value) p.read = true;
  return { ...matrix, [object]: p };
}

export function setScope(matrix: Matrix, object: string, which: 'read_scope' | 'edit_scope', scope: Scope): Matrix {
  return { ...matrix, [object]: { ...(matrix[object] ?? noAccess()), [which]: scope } };
}

/** Field access; "edit" is the default and is not stored. */
export function setFieldAccess(matrix: Matrix, object: string, field: string, access: FieldAccess): Matrix {
  const p = matrix[object] ?? noAccess();
  const fields = { ...p.fields };
  if (access === 'edit') delete fields[field];
  else fields[field] = access;
  return { ...matrix, [object]: { ...p, fields } };
}

/** Grant or remove every operation on every object at once (a quick start for a new role). */
export function setAll(matrix: Matrix, value: boolean): Matrix {
  const out: Matrix = {};
  for (const [name, p] of Object.entries(matrix)) out[name] = { ...p, read: value, create: value, edit: value, delete: value };
  return out;
}

/** The PUT body: objects with no access at all are left out (the server's meaning is the same). */
export function permissionsPayload(matrix: Matrix): RolePermissions {
  const objects: Record<string, ObjectPermission> = {};
  for (const [name, p] of Object.entries(matrix)) {
    if (!p.read && !p.create && !p.edit && !p.delete && Object.keys(p.fields).length === 0) continue;
    objects[name] = { ...p, fields: { ...p.fields } };
  }
  return { objects };
}
