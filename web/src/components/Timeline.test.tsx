import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta } from '../api/types';
import { contactScope, timelineFilter } from '../lib/timeline';
import { stubApi, type Sent } from '../test/fetch';
import { account, contact, field, opportunity } from '../test/fixtures';
import { renderWith } from '../test/render';
import { Timeline } from './Timeline';

afterEach(() => vi.unstubAllGlobals());

const activity: ObjectMeta = {
  name: 'activity',
  labels: { en: 'Activity', 'zh-CN': '活动记录' },
  name_field: 'subject',
  features: { owner: true, activities: false },
  fields: [
    field('subject', 'text', { required: true }),
    field('type', 'picklist', {
      options: ['task', 'call', 'visit', 'note', 'email'].map((value) => ({ value, labels: { en: value, 'zh-CN': value } })),
    }),
    field('status', 'picklist', { options: [{ value: 'open', labels: { en: 'Open', 'zh-CN': '未完成' } }] }),
    field('due_date', 'date'),
    field('start_at', 'datetime'),
    field('description', 'long_text'),
    field('related_object', 'text'),
    field('related_id', 'text'),
    field('account', 'lookup', { target: 'account' }),
    field('contact', 'lookup', { target: 'contact' }),
    field('opportunity', 'lookup', { target: 'opportunity' }),
    field('created_by', 'lookup', { read_only: true, target: 'user' }),
    field('created_at', 'datetime', { read_only: true }),
  ],
};
const lead: ObjectMeta = { name: 'lead', labels: { en: 'Lead', 'zh-CN': '线索' }, name_field: 'name', fields: [field('name', 'text')] };
const OBJECTS = [account, opportunity, contact, activity, lead];

/** Stub the API; logging an activity answers 201, like the server, everything else 200. */
const stubTimelineApi = (answer: (s: Sent) => unknown) =>
  stubApi(answer, (s) => (s.method === 'POST' && s.url === '/api/v1/records/activity' ? 201 : 200));

describe('timeline filter', () => {
  it('follows the activity lookup to the record object, else the polymorphic pair', () => {
    expect(timelineFilter(activity, 'account', 'a1')).toEqual({ field: 'account', op: 'eq', value: 'a1' });
    expect(timelineFilter(activity, 'contact', 'c1')).toEqual({ field: 'contact', op: 'eq', value: 'c1' });
    expect(timelineFilter(activity, 'lead', 'l1')).toEqual({
      and: [
        { field: 'related_object', op: 'eq', value: 'lead' },
        { field: 'related_id', op: 'eq', value: 'l1' },
      ],
    });
    // created_by points at users but is no link to the record's subject
    expect(timelineFilter(activity, 'user', 'u1')).toHaveProperty('and');
  });

  it('offers the contacts of the account, or of the account the record belongs to', () => {
    expect(contactScope(account, 'a1', { id: 'a1' })).toBe('a1');
    expect(contactScope(opportunity, 'o1', { id: 'o1', account: 'a9' })).toBe('a9');
    expect(contactScope(opportunity, 'o1', { id: 'o1', account: null })).toBeNull();
    expect(contactScope(lead, 'l1', { id: 'l1' })).toBeNull();
  });
});

describe('Timeline', () => {
  it("shows an account's activities by its account lookup and logs a call with its time and contact", async () => {
    const sent = stubTimelineApi((s) => {
      if (s.url === '/api/v1/records/activity/query')
        return {
          records: [
            { id: 'x1', subject: 'Visited the plant', type: 'visit', contact: 'c1', start_at: '2026-03-02T06:30:00Z', created_at: '2026-03-05T01:00:00Z', _display: { contact: '张伟' } },
          ],
          next_cursor: null,
        };
      if (s.url === '/api/v1/records/contact/query') return { records: [{ id: 'c1', name: '张伟' }, { id: 'c2', name: '李娜' }], next_cursor: null };
      if (s.url === '/api/v1/records/activity') return { id: 'x2', subject: s.body.subject, type: 'call', status: 'completed', created_at: '2026-03-06T01:00:00Z' };
      return {};
    });
    const onLogged = vi.fn();
    renderWith(<Timeline object={account} recordId="a1" record={{ id: 'a1', name: 'Acme' }} onLogged={onLogged} />, { objects: OBJECTS });

    expect(await screen.findByText('Visited the plant')).toBeTruthy();
    expect(screen.getByText('· with 张伟')).toBeTruthy();
    const q = sent.find((s) => s.url === '/api/v1/records/activity/query')!;
    expect(q.body.filter).toEqual({ field: 'account', op: 'eq', value: 'a1' });
    // the time shown is when the visit happened, not when it was logged
    expect(screen.getByTestId('timeline-when').getAttribute('title')).toContain('2026');

    // Calls come first in the composer: a time of its own (default now) and the account's contacts.
    expect(screen.getByTestId('composer-when')).toBeTruthy();
    await waitFor(() => expect(sent.some((s) => s.url === '/api/v1/records/contact/query')).toBe(true));
    const contacts = sent.find((s) => s.url === '/api/v1/records/contact/query')!;
    expect(contacts.body.filter).toEqual({ field: 'account', op: 'eq', value: 'a1' });

    fireEvent.mouseDown(screen.getByTestId('composer-contact').querySelector('.ant-select-selector')!);
    fireEvent.click(await screen.findByText('李娜'));
    fireEvent.change(screen.getByTestId('composer-subject'), { target: { value: 'Called about the quote' } });
    const before = Date.now();
    fireEvent.click(screen.getByTestId('composer-save'));

    await waitFor(() => expect(onLogged).toHaveBeenCalledTimes(1));
    const created = sent.find((s) => s.method === 'POST' && s.url === '/api/v1/records/activity')!;
    expect(created.body).toMatchObject({ subject: 'Called about the quote', type: 'call', related_object: 'account', related_id: 'a1', contact: 'c2' });
    expect(Math.abs(Date.parse(String(created.body.start_at)) - before)).toBeLessThan(60_000);
    expect(created.body).not.toHaveProperty('due_date');
    expect(await screen.findByText('Called about the quote')).toBeTruthy();
  }, 60_000);

  it('on a contact page names no contact and uses the contact lookup; reloads when told', async () => {
    const sent = stubTimelineApi(() => ({ records: [], next_cursor: null }));
    const { rerender } = renderWith(<Timeline object={contact} recordId="c1" record={{ id: 'c1', account: 'a1' }} />, { objects: OBJECTS });
    await screen.findByText('No activity yet. Log a call, visit or note.');
    expect(screen.queryByTestId('composer-contact')).toBeNull();
    const queries = () => sent.filter((s) => s.url === '/api/v1/records/activity/query');
    expect(queries()[0].body.filter).toEqual({ field: 'contact', op: 'eq', value: 'c1' });
    rerender(<Timeline object={contact} recordId="c1" record={{ id: 'c1', account: 'a1' }} refreshKey={1} />);
    await waitFor(() => expect(queries()).toHaveLength(2));
  }, 60_000);

  it('sends the time the user picked for a visit; a task gets no time', async () => {
    const sent = stubTimelineApi((s) => (s.url === '/api/v1/records/activity' ? { id: 'n', subject: s.body.subject, created_at: '2026-03-06T01:00:00Z' } : { records: [], next_cursor: null }));
    renderWith(<Timeline object={lead} recordId="l1" record={{ id: 'l1' }} />, { objects: OBJECTS });
    await screen.findByText('No activity yet. Log a call, visit or note.');
    fireEvent.click(screen.getByTestId('composer-type').querySelector('[title="visit"]')!);
    const picker = screen.getByTestId('composer-when') as HTMLInputElement;
    fireEvent.mouseDown(picker);
    fireEvent.focus(picker);
    fireEvent.change(picker, { target: { value: '2026-03-02 14:30' } });
    fireEvent.keyDown(picker, { key: 'Enter', code: 'Enter' });
    fireEvent.change(screen.getByTestId('composer-subject'), { target: { value: 'Plant visit' } });
    fireEvent.click(screen.getByTestId('composer-save'));
    await waitFor(() => expect(sent.some((s) => s.method === 'POST' && s.url === '/api/v1/records/activity')).toBe(true));
    const visit = sent.find((s) => s.method === 'POST' && s.url === '/api/v1/records/activity')!;
    expect(visit.body).toMatchObject({ type: 'visit', related_object: 'lead', related_id: 'l1' });
    const picked = new Date(String(visit.body.start_at));
    expect([picked.getFullYear(), picked.getMonth(), picked.getDate(), picked.getHours(), picked.getMinutes()]).toEqual([2026, 2, 2, 14, 30]);

    fireEvent.click(screen.getByTestId('composer-type').querySelector('[title="task"]')!);
    expect(screen.queryByTestId('composer-when')).toBeNull();
    fireEvent.change(screen.getByTestId('composer-subject'), { target: { value: 'Send the quote' } });
    fireEvent.click(screen.getByTestId('composer-save'));
    await waitFor(() => expect(sent.filter((s) => s.method === 'POST' && s.url === '/api/v1/records/activity')).toHaveLength(2));
    const task = sent.filter((s) => s.method === 'POST' && s.url === '/api/v1/records/activity')[1];
    expect(task.body).toMatchObject({ type: 'task', subject: 'Send the quote' });
    expect(task.body).not.toHaveProperty('start_at');
  }, 60_000);
});
