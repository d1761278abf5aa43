import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Route, Routes } from 'react-router-dom';
import { FilterBuilder } from '../components/FilterBuilder';
import { serializeFilterState, type FilterState } from '../lib/filter';
import { opportunity } from '../test/fixtures';
import { stubApi } from '../test/fetch';
import { renderWith } from '../test/render';
import ListPage from './ListPage';

afterEach(() => vi.unstubAllGlobals());

/** Render the list page at `path` (/o/<object>?…), as the app routes it. */
function renderList(path: string) {
  renderWith(
    <Routes>
      <Route path="/o/:object" element={<ListPage />} />
    </Routes>,
    { path },
  );
}

describe('ListPage', () => {
  it('queries with the filter tree, sort and columns from the URL and renders rows', async () => {
    const queries = stubApi(({ url }) =>
      url.endsWith('/aggregate')
        ? { groups: [{ key: {}, values: { count: 1 } }] }
        : {
            records: [{ id: 'o1', name: 'ERP rollout', account: 'a1', stage: 'won', amount: 10, amount_currency: 'CNY', _display: { account: '华为' } }],
            next_cursor: 'c2',
          },
    );
    const f = serializeFilterState({ match: 'and', conditions: [{ id: 'x', field: 'stage', op: 'in', value: ['won', 'lost'] }] });
    renderList(`/o/opportunity?sort=-amount&f=${encodeURIComponent(f)}`);
    expect(await screen.findByText('ERP rollout')).toBeTruthy();
    expect(screen.getByText('华为')).toBeTruthy();
    const q = queries.find((x) => x.url === '/api/v1/records/opportunity/query')!;
    expect(q.body.filter).toEqual({ field: 'stage', op: 'in', value: ['won', 'lost'] });
    expect(q.body.sort).toEqual([{ field: 'amount', direction: 'desc' }]);
    expect(q.body.limit).toBe(50);
    expect(q.body.fields).toEqual(expect.arrayContaining(['id', 'name', 'account', 'stage', 'amount']));
    // the count is asked for once the rows are painted
    await waitFor(() => expect(queries.some((x) => x.url.endsWith('/aggregate'))).toBe(true));
    const agg = queries.find((x) => x.url.endsWith('/aggregate'))!;
    expect(agg.body).toEqual({ filter: { field: 'stage', op: 'in', value: ['won', 'lost'] }, aggregates: [{ op: 'count' }], q: null });
    expect(await screen.findByText('1 records')).toBeTruthy();
    // chip for the active condition
    expect(screen.getByText('stage is any of Closed won, Closed lost')).toBeTruthy();
    // load more sends the cursor
    fireEvent.click(screen.getByTestId('list-more'));
    await waitFor(() => expect(queries.some((x) => x.body.cursor === 'c2')).toBe(true));
  });
});

describe('ListPage reference filters', () => {
  it('shows the titles of records a shared filter names by id, without changing the query', async () => {
    const queries = stubApi(({ url }) =>
      url.endsWith('/aggregate')
        ? { groups: [{ key: {}, values: { count: 0 } }] }
        : url === '/api/v1/records/account/query'
          ? { records: [{ id: 'a1', name: '华为' }], next_cursor: null }
          : { records: [], next_cursor: null },
    );
    const f = serializeFilterState({ match: 'and', conditions: [{ id: 'x', field: 'account', op: 'in', value: ['a1', 'gone'] }] });
    renderList(`/o/opportunity?f=${encodeURIComponent(f)}`);
    // (the titles take two round trips; a busy machine needs more than the default second)
    expect(await screen.findByText('account is any of 华为, gone', {}, { timeout: 5000 })).toBeTruthy();
    const titles = queries.find((x) => x.url === '/api/v1/records/account/query')!;
    expect(titles.body.filter).toEqual({ field: 'id', op: 'in', value: ['a1', 'gone'] });
    // the list itself is asked for with the ids, before and after the titles arrive
    const lists = queries.filter((x) => x.url === '/api/v1/records/opportunity/query');
    expect(lists.length).toBeGreaterThan(0);
    for (const q of lists) expect(q.body.filter).toEqual({ field: 'account', op: 'in', value: ['a1', 'gone'] });
  });
});

describe('ListPage saved views from the URL', () => {
  const VIEW = {
    id: 'v1',
    object: 'opportunity',
    name: 'Big won deals',
    owner_id: 'u1',
    shared: true,
    filter: { field: 'stage', op: 'eq', value: 'won' },
    sort: [{ field: 'amount', direction: 'desc' }],
    columns: ['name', 'amount', 'close_date'],
    q: 'ERP',
  };

  it('applies a bookmarked view (?view=<id>): its filter, sort, search and columns, before any records are asked for', async () => {
    const sent = stubApi(({ url }) =>
      url.startsWith('/api/v1/views')
        ? { views: [VIEW] }
        : url.endsWith('/aggregate')
          ? { groups: [{ key: {}, values: { count: 1 } }] }
          : { records: [{ id: 'o1', name: 'ERP rollout', stage: 'won', amount: 10, close_date: '2024-05-01' }], next_cursor: null },
    );
    renderList('/o/opportunity?view=v1');
    expect(await screen.findByText('ERP rollout', {}, { timeout: 5000 })).toBeTruthy();
    const queries = sent.filter((x) => x.url === '/api/v1/records/opportunity/query');
    expect(queries.length).toBeGreaterThan(0);
    // every list query had the view applied: no "all records" page first
    for (const q of queries) {
      expect(q.body.filter).toEqual({ field: 'stage', op: 'eq', value: 'won' });
      expect(q.body.sort).toEqual([{ field: 'amount', direction: 'desc' }]);
      expect(q.body.q).toBe('ERP');
    }
    expect(queries[0].body.fields).toEqual(['id', 'name', 'amount', 'close_date']);
    await waitFor(() => expect(sent.some((x) => x.url.endsWith('/aggregate'))).toBe(true));
    expect(sent.find((x) => x.url.endsWith('/aggregate'))!.body.filter).toEqual({ field: 'stage', op: 'eq', value: 'won' });
    // the view's name and the search box show what is applied; the filter has its chip
    expect(screen.getByTestId('views-picker').textContent).toContain('Big won deals');
    expect((screen.getByTestId('list-search') as HTMLInputElement).value).toBe('ERP');
    expect(screen.getByText('stage is any of Closed won')).toBeTruthy();
  });

  it('shows all records without the id when the view no longer exists', async () => {
    const sent = stubApi(({ url }) =>
      url.startsWith('/api/v1/views') ? { views: [] } : url.endsWith('/aggregate') ? { groups: [] } : { records: [{ id: 'o1', name: 'ERP rollout' }], next_cursor: null },
    );
    renderList('/o/opportunity?view=gone');
    expect(await screen.findByText('ERP rollout', {}, { timeout: 5000 })).toBeTruthy();
    const q = sent.find((x) => x.url === '/api/v1/records/opportunity/query')!;
    expect(q.body.filter).toBeNull();
    expect(screen.getByTestId('views-picker').textContent).toContain('All records');
  });
});

describe('FilterBuilder', () => {
  it('adds a condition on the first non-name field and removes it', () => {
    let state: FilterState = { match: 'and', conditions: [] };
    const onChange = (s: FilterState) => (state = s);
    const { rerender } = renderWith(<FilterBuilder object={opportunity} value={state} onChange={onChange} />);
    fireEvent.click(screen.getByTestId('filter-add'));
    expect(state.conditions).toHaveLength(1);
    expect(state.conditions[0]).toMatchObject({ field: 'account', op: 'in' });
    rerender(<FilterBuilder object={opportunity} value={state} onChange={onChange} />);
    fireEvent.click(screen.getByLabelText('Remove condition'));
    expect(state.conditions).toHaveLength(0);
  });
});

describe('ListPage export menu', () => {
  it('offers the view as CSV and as Excel, with its filter, sort and columns', async () => {
    stubApi(({ url }) =>
      url.endsWith('/aggregate')
        ? { groups: [{ key: {}, values: { count: 0 } }] }
        : { records: [], next_cursor: null },
    );
    renderList('/o/opportunity?sort=-amount');
    fireEvent.click(await screen.findByTestId('list-more-actions'));
    const csv = new URL((await screen.findByTestId('list-export')).getAttribute('href')!, 'http://x');
    const xlsx = new URL(screen.getByTestId('list-export-xlsx').getAttribute('href')!, 'http://x');
    expect(screen.getByText('Export CSV')).toBeTruthy();
    expect(screen.getByText('Export Excel')).toBeTruthy();
    expect(csv.pathname).toBe('/api/v1/records/opportunity/export');
    expect(csv.searchParams.get('format')).toBeNull();
    expect(xlsx.pathname).toBe('/api/v1/records/opportunity/export');
    expect(xlsx.searchParams.get('format')).toBe('xlsx');
    expect(xlsx.searchParams.get('sort')).toBe('-amount');
    expect(xlsx.searchParams.get('fields')).toBe(csv.searchParams.get('fields'));
  });
});
