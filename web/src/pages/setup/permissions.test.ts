import { describe, expect, it } from 'vitest';
import { matrixFor, permissionsPayload, setAll, setFieldAccess, setFlag, setScope } from './permissions';

describe('role permission matrix', () => {
  const current = { objects: { account: { read: true, create: false, edit: true, delete: false, read_scope: 'all' as const, edit_scope: 'own' as const, fields: { phone: 'read' as const } } } };

  it('has a row per editable object, organisation objects excluded', () => {
    const m = matrixFor(['account', 'contact', 'user', 'role'], current);
    expect(Object.keys(m)).toEqual(['account', 'contact']);
    expect(m.account.fields).toEqual({ phone: 'read' });
    expect(m.contact.read).toBe(false);
  });

  it('keeps read in step with the other operations', () => {
    let m = matrixFor(['contact'], null);
    m = setFlag(m, 'contact', 'delete', true);
    expect(m.contact).toMatchObject({ read: true, delete: true });
    m = setFlag(m, 'contact', 'read', false);
    expect(m.contact).toMatchObject({ read: false, create: false, edit: false, delete: false });
  });

  it('stores scopes and only non-default field access', () => {
    let m = matrixFor(['account'], current);
    m = setScope(m, 'account', 'read_scope', 'department');
    m = setFieldAccess(m, 'account', 'phone', 'edit');
    m = setFieldAccess(m, 'account', 'website', 'hidden');
    expect(m.account.read_scope).toBe('department');
    expect(m.account.fields).toEqual({ website: 'hidden' });
  });

  it('sends objects with any access and leaves the rest out', () => {
    let m = matrixFor(['account', 'contact', 'lead'], current);
    m = setFlag(m, 'lead', 'read', true);
    const body = permissionsPayload(m);
    expect(Object.keys(body.objects)).toEqual(['account', 'lead']);
    expect(permissionsPayload(setAll(m, false)).objects).toHaveProperty('account'); // field rule kept
    expect(Object.keys(permissionsPayload(setAll(m, true)).objects)).toEqual(['account', 'contact', 'lead']);
  });
});
