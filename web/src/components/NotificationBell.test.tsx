import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppNotification } from '../api/types';
import { stubApi, type Sent } from '../test/fetch';
import { renderWith } from '../test/render';
import { NotificationBell } from './NotificationBell';

const RECORD = '0190a0b0-0000-7000-8000-0000000000a1';

function notification(id: string, title: string, read: boolean, path?: string): AppNotification {
  return {
    id,
    title,
    body: `${title} body`,
    link: path ? { path } : null,
    source: 'flow',
    created_at: new Date(Date.now() - 5 * 60_000).toISOString(),
    read_at: read ? new Date().toISOString() : null,
  };
}

/** A tiny server: the notifications, their read state, and what the bell sent. */
function server(items: AppNotification[]) {
  const unread = () => items.filter((n) => n.read_at === null).length;
  const sent = stubApi((s: Sent) => {
    if (s.url.startsWith('/api/v1/notifications/unread-count')) return { unread: unread() };
    if (s.url === '/api/v1/notifications/read') {
      const ids = s.body.all ? items.map((n) => n.id) : (s.body.ids as string[]);
      let marked = 0;
      for (const n of items) {
        if (ids.includes(n.id) && n.read_at === null) {
          n.read_at = new Date().toISOString();
          marked += 1;
        }
      }
      return { marked, unread: unread() };
    }
    if (s.url.startsWith('/api/v1/notifications/preferences')) return { email: true, email_available: false };
    if (s.url.startsWith('/api/v1/notifications')) return { notifications: items, unread: unread(), next_cursor: null };
    return {};
  });
  return { sent, items };
}

function renderBell(pollMs?: number, lang: 'en' | 'zh-CN' = 'en') {
  return renderWith(
    <>
      <NotificationBell pollMs={pollMs} />
      <Routes>
        <Route path="/" element={<div>home page</div>} />
        <Route path="/o/:object/:id" element={<div>record page</div>} />
      </Routes>
    </>,
    { lang },
  );
}

const bell = () => screen.getByTestId('notification-bell');

function setVisibility(state: 'visible' | 'hidden') {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}

afterEach(() => {
  vi.unstubAllGlobals();
  setVisibility('visible');
});

describe('NotificationBell', () => {
  it('shows the unread count and keeps it current by polling while the tab is visible', async () => {
    const { sent, items } = server([notification('n1', 'First', false)]);
    renderBell(40);
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications, 1 unread'));
    // Something new arrives on the server: the next poll shows it without a reload.
    items.unshift(notification('n2', 'Second', false));
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications, 2 unread'));

    // A hidden tab asks for nothing; coming back asks at once.
    act(() => setVisibility('hidden'));
    const polls = () => sent.filter((s) => s.url.endsWith('/unread-count')).length;
    const before = polls();
    items.unshift(notification('n3', 'Third', false));
    await new Promise((r) => setTimeout(r, 150));
    expect(polls()).toBe(before);
    expect(bell().getAttribute('aria-label')).toBe('Notifications, 2 unread');
    act(() => setVisibility('visible'));
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications, 3 unread'));
  });

  it('lists newest first with unread marked; opening one marks it read and follows its link', async () => {
    const { sent } = server([
      notification('n3', 'Opportunity won', false, `/o/opportunity/${RECORD}`),
      notification('n2', 'Approval requested', false),
      notification('n1', 'Old news', true),
    ]);
    renderBell();
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications, 2 unread'));
    fireEvent.click(bell());
    const rows = await screen.findAllByTestId('notification-item');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining('Opportunity won'),
      expect.stringContaining('Approval requested'),
      expect.stringContaining('Old news'),
    ]);
    expect(rows.map((r) => r.dataset.unread)).toEqual(['true', 'true', 'false']);
    expect(rows[0].textContent).toContain('5 minutes ago');

    fireEvent.click(rows[0]);
    await screen.findByText('record page');
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications, 1 unread'));
    const marks = sent.filter((s) => s.url === '/api/v1/notifications/read');
    expect(marks).toEqual([{ url: '/api/v1/notifications/read', method: 'POST', body: { ids: ['n3'] } }]);
  });

  it('marks all read', async () => {
    const { sent } = server([notification('n2', 'Two', false), notification('n1', 'One', false)]);
    renderBell();
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications, 2 unread'));
    fireEvent.click(bell());
    await screen.findAllByTestId('notification-item');
    fireEvent.click(screen.getByTestId('notifications-mark-all'));
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications, 0 unread'));
    expect(sent.find((s) => s.url === '/api/v1/notifications/read')?.body).toEqual({ all: true });
    const rows = screen.getAllByTestId('notification-item');
    expect(rows.map((r) => r.dataset.unread)).toEqual(['false', 'false']);
    expect(screen.getByText('home page')).toBeTruthy(); // nothing to follow: stays put
  });

  it('speaks Chinese and says when there is nothing', async () => {
    server([]);
    renderBell(undefined, 'zh-CN');
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('通知，0 条未读'));
    fireEvent.click(bell());
    expect(await screen.findByText('暂无通知')).toBeTruthy();
    expect(screen.getByText('全部标为已读')).toBeTruthy();
  });
});
