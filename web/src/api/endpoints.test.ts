import { describe, expect, it } from 'vitest';
import { api } from './endpoints';

describe('export URL', () => {
  it('carries the view: filter tree, sort, columns and search, in the GET form the server reads', () => {
    const url = api.exportUrl('opportunity', {
      filter: { field: 'stage', op: 'eq', value: 'won' },
      sort: [
        { field: 'amount', direction: 'desc' },
        { field: 'name', direction: 'asc' },
      ],
      fields: ['name', 'amount'],
      q: '华为',
    });
    const u = new URL(url, 'http://x');
    expect(u.pathname).toBe('/api/v1/records/opportunity/export');
    expect(JSON.parse(u.searchParams.get('filter')!)).toEqual({ field: 'stage', op: 'eq', value: 'won' });
    expect(u.searchParams.get('sort')).toBe('-amount,name');
    expect(u.searchParams.get('fields')).toBe('name,amount');
    expect(u.searchParams.get('q')).toBe('华为');
    expect(api.exportUrl('account', {})).toBe('/api/v1/records/account/export');
  });
});
