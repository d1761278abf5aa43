import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWith } from '../../test/render';
import AuditPage from './AuditPage';

afterEach(() => vi.unstubAllGlobals());

const ACCOUNT = '0190a0b0-0000-7000-8000-0000000000a1';
const WANG = '0190a0b0-0000-7000-8000-0000000000b2';

const entries = [
  {
    id: 'e2',
    at: '2024-05-01T02:30:00Z',
    actor_id: null,
    actor_name: '管理员',
    action: 'user.transfer',
    object: 'account',
    record_id: ACCOUNT,
    ip: null,
    request_id: null,
    details: { to_user: WANG, transferred: 3 },
    _display: { [ACCOUNT]: '星河科技', [WANG]: '王芳' },
  },
  {
    id: 'e1',
    at: '2024-05-01T02:00:00Z',
    actor_id: null,
    actor_name: '管理员',
    action: 'metadata.field.create',
    object: 'account',
    record_id: null,
    ip: null,
    request_id: null,
    details: { field: { name: 'annual_revenue' } },
    _display: {},
  },
];

describe('AuditPage', () => {
  it('shows actions in words and the records and people an entry names by title', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ entries, next_cursor: null }), { status: 200, headers: { 'Content-Type': 'application/json' } })),
    );
    const { container } = renderWith(<AuditPage />);
    expect(await screen.findByText('Transferred records')).toBeTruthy();
    expect(screen.getByText('Added a field')).toBeTruthy();
    const link = screen.getByText('星河科技');
    expect(link.closest('a')?.getAttribute('href')).toBe(`/o/account/${ACCOUNT}`);
    expect(container.querySelector('[data-testid="audit-table"]')!.textContent).not.toContain(ACCOUNT);
    const expanders = container.querySelectorAll('.ant-table-row-expand-icon');
    fireEvent.click(expanders[0]);
    fireEvent.click(expanders[1]);
    await waitFor(() => expect(screen.getAllByTestId('audit-details')).toHaveLength(2));
    const details = screen.getAllByTestId('audit-details').map((d) => d.textContent);
    expect(details[0]).toContain('New owner');
    expect(details[0]).toContain('王芳');
    expect(details[0]).not.toContain(WANG);
    expect(details[1]).toContain('annual revenue');
  });
});
