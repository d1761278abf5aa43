import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta, RecordData } from '../api/types';
import { account, contact, field } from '../test/fixtures';
import { renderWith } from '../test/render';
import SegmentPanel, { nameReferences, pathOptions } from './SegmentPanel';
import { treeToGroup } from './segmentTree';
import { resolvePath } from '../lib/fields';

const activity: ObjectMeta = {
  name: 'activity',
  labels: { en: 'Activity', 'zh-CN': '活动记录' },
  plural_labels: { en: 'Activities', 'zh-CN': '活动记录' },
  name_field: 'subject',
  fields: [field('subject', 'text'), field('due_date', 'date'), field('contact', 'lookup', { target: 'contact' })],
};
const campaign: ObjectMeta = { name: 'campaign', labels: { en: 'Campaign', 'zh-CN': '市场活动' }, name_field: 'name', fields: [field('name', 'text')] };
const campaignMember: ObjectMeta = {
  name: 'campaign_member',
  labels: { en: 'Campaign member', 'zh-CN': '活动成员' },
  name_field: 'name',
  fields: [
    field('campaign', 'master_detail', { target: 'campaign' }),
    field('status', 'picklist', {
      options: [
        { value: 'invited', labels: { en: 'Invited', 'zh-CN': '已邀请' } },
        { value: 'registered', labels: { en: 'Registered', 'zh-CN': '已报名' } },
      ],
    }),
  ],
};
const OBJECTS = [account, contact, activity, campaign, campaignMember];

interface Call {
  url: string;
  method: string;
  body: Record<string, unknown>;
}

function stub(routes: (call: Call) => unknown) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const call = { url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : {} };
      calls.push(call);
      const answer = routes(call);
      const [status, body] = Array.isArray(answer) ? (answer as [number, unknown]) : [200, answer];
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const PEOPLE = {
  records: [
    { id: 'p1', name: '张伟', email: 'zw@example.com', account: 'a1', _display: { account: '华为' } },
    { id: 'p2', name: '李娜', email: null, account: null },
  ],
  next_cursor: null,
};

const dynamic: RecordData = {
  id: 's1',
  version: 3,
  name: '制造业联系人',
  object: 'contact',
  type: 'dynamic',
  filter: { and: [{ field: 'account.industry', op: 'in', value: ['manufacturing', 'it'] }, { field: 'email', op: 'is_null', value: false }] },
};

describe('segment builder', () => {
  it('offers the audience fields and its lookups’ fields', () => {
    const options = pathOptions(contact, (n) => OBJECTS.find((o) => o.name === n), (f) => f.name);
    expect(options.map((o) => o.value)).toEqual(expect.arrayContaining(['name', 'email', 'account.industry', 'account.name']));
    expect(options.find((o) => o.value === 'account.industry')?.label).toBe('account › industry');
  });

  it('names the records a saved lookup condition holds by id', async () => {
    const calls = stub(() => ({ records: [{ id: 'a1', name: '华为' }], next_cursor: null }));
    const resolve = (path: string) => resolvePath(OBJECTS, contact, path);
    const group = treeToGroup({ field: 'account', op: 'in', value: ['a1', 'a2'] }, resolve, () => () => undefined);
    const named = await nameReferences(group, resolve, (n) => OBJECTS.find((o) => o.name === n));
    const item = named?.items[0];
    expect(item?.kind === 'condition' && item.cond.value).toEqual([
      { value: 'a1', label: '华为' },
      { value: 'a2', label: 'a2' },
    ]);
    expect(calls[0].url).toBe('/api/v1/records/account/query');
    expect(calls[0].body.filter).toEqual({ field: 'id', op: 'in', value: ['a1', 'a2'] });
    expect(await nameReferences(treeToGroup(null, resolve, () => () => undefined), resolve, () => undefined)).toBeNull();
  });

  it('shows saved conditions, counts them live, adds a related count and saves the tree', async () => {
    const calls = stub((call) => {
      if (call.url.startsWith('/api/v1/segments/count')) return { count: call.body.filter && JSON.stringify(call.body.filter).includes('related') ? 7 : 42 };
      if (call.url.includes('/members')) return PEOPLE;
      if (call.method === 'PATCH') return { ...dynamic, version: 4, filter: call.body.filter };
      return {};
    });
    const onSaved = vi.fn();
    renderWith(<SegmentPanel record={dynamic} onSaved={onSaved} />, { objects: OBJECTS });
    expect(await screen.findByText('42 people', {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.getAllByTestId('segment-condition')).toHaveLength(2);
    const counted = calls.filter((c) => c.url === '/api/v1/segments/count');
    expect(counted[0].body).toEqual({ object: 'contact', filter: dynamic.filter });
    // The preview lists the saved members, with lookup names.
    const preview = screen.getByTestId('segment-preview');
    expect(await within(preview).findByText('张伟')).toBeTruthy();
    expect(within(preview).getByText('华为')).toBeTruthy();

    fireEvent.click(screen.getByTestId('segment-add-count'));
    expect(screen.getByTestId('segment-related')).toBeTruthy();
    expect(await screen.findByText('7 people', {}, { timeout: 3000 })).toBeTruthy();
    const last = calls.filter((c) => c.url === '/api/v1/segments/count').pop();
    expect(last?.body.filter).toEqual({
      and: [...(dynamic.filter as { and: unknown[] }).and, { related: { object: 'activity', field: 'contact' }, op: 'gte', value: 1 }],
    });

    fireEvent.click(screen.getByTestId('segment-save'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.url).toBe('/api/v1/records/segment/s1');
    expect(patch?.body.filter).toEqual(last?.body.filter);
  });

  it('explains conditions the server refuses', async () => {
    stub((call) => {
      if (call.url.startsWith('/api/v1/segments/count')) {
        return [422, { status: 422, code: 'invalid_request', title: 'Bad', detail: 'filter.and.0.field: unknown field', errors: [{ field: 'filter.and.0.field', code: 'invalid_filter', message: 'Invalid filter: unknown field' }] }];
      }
      return PEOPLE;
    });
    renderWith(<SegmentPanel record={dynamic} onSaved={() => undefined} />, { objects: OBJECTS });
    expect(await screen.findByTestId('segment-count-error', {}, { timeout: 3000 })).toBeTruthy();
  });

  it('shows zh-CN labels', async () => {
    stub((call) => (call.url.startsWith('/api/v1/segments/count') ? { count: 5 } : PEOPLE));
    renderWith(<SegmentPanel record={dynamic} onSaved={() => undefined} />, { objects: OBJECTS, lang: 'zh-CN' });
    expect(await screen.findByText('5 人', {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.getByText('保存条件')).toBeTruthy();
  });
});

describe('static list', () => {
  const listed: RecordData = { id: 's2', version: 1, name: '展会名单', object: 'contact', type: 'static', filter: null };

  it('lists the members with their count and takes one off the list', async () => {
    const calls = stub((call) => {
      if (call.url.startsWith('/api/v1/segments/count')) return { count: 2 };
      if (call.url.includes('/members')) return PEOPLE;
      if (call.url.endsWith('/remove_from_segment')) return { removed: 1, not_found: [] };
      return {};
    });
    renderWith(<SegmentPanel record={listed} onSaved={() => undefined} />, { objects: OBJECTS });
    const members = await screen.findByTestId('segment-members');
    expect(await within(members).findByText('李娜')).toBeTruthy();
    expect(await screen.findByText('2 people')).toBeTruthy();
    const counted = calls.find((c) => c.url === '/api/v1/segments/count');
    expect(counted?.body.filter).toEqual({ related: { object: 'segment_member', field: 'contact', filter: { field: 'segment', op: 'eq', value: 's2' } }, op: 'gte', value: 1 });
    fireEvent.click(screen.getAllByRole('button', { name: 'Remove from list' })[1]);
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/remove_from_segment'))).toBe(true));
    const removal = calls.find((c) => c.url.endsWith('/remove_from_segment'));
    expect(removal?.url).toBe('/api/v1/records/contact/remove_from_segment');
    expect(removal?.body).toEqual({ segment: 's2', ids: ['p2'] });
  });

  it('opens the list as a private saved view, updating the one it made before', async () => {
    const calls = stub((call) => {
      if (call.url.startsWith('/api/v1/segments/count')) return { count: 2 };
      if (call.url.includes('/members')) return PEOPLE;
      if (call.url.startsWith('/api/v1/views?')) return { views: [{ id: 'v0', name: '展会名单', shared: true }, { id: 'v1', name: '展会名单', shared: false }] };
      if (call.url.startsWith('/api/v1/views/')) return { id: 'v1' };
      return {};
    });
    renderWith(<SegmentPanel record={listed} onSaved={() => undefined} />, { objects: OBJECTS });
    fireEvent.click(await screen.findByTestId('segment-open-list'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.url).toBe('/api/v1/views/v1');
    expect(patch?.body.filter).toEqual({ related: { object: 'segment_member', field: 'contact', filter: { field: 'segment', op: 'eq', value: 's2' } }, op: 'gte', value: 1 });
  });

  it('asks for a campaign before adding the segment to it', async () => {
    stub((call) => (call.url.startsWith('/api/v1/segments/count') ? { count: 2 } : PEOPLE));
    renderWith(<SegmentPanel record={listed} onSaved={() => undefined} />, { objects: OBJECTS, lang: 'zh-CN' });
    fireEvent.click(await screen.findByTestId('segment-add-campaign'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('本分群中您可见的所有人将加入该市场活动；已是活动成员的人会被跳过。')).toBeTruthy();
    expect(within(dialog).getByText('已邀请')).toBeTruthy();
    const ok = within(dialog).getAllByRole('button').find((b) => b.textContent?.includes('加入市场活动'));
    expect(ok?.hasAttribute('disabled')).toBe(true);
  });
});
