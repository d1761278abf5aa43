import { describe, expect, it } from 'vitest';
import { myTasksQuery, taskLink, todayIn } from './tasks';

describe('my tasks', () => {
  it('asks for my open tasks due today or earlier, oldest first', () => {
    const q = myTasksQuery('u1');
    expect(q.filter).toEqual({
      and: [
        { field: 'type', op: 'eq', value: 'task' },
        { field: 'owner_id', op: 'eq', value: 'u1' },
        { field: 'due_date', op: 'lte', value: 'today' },
        { field: 'status', op: 'eq', value: 'open' },
      ],
    });
    expect(q.sort).toEqual([{ field: 'due_date', direction: 'asc' }]);
  });

  it('knows today in the tenant zone', () => {
    const t = Date.UTC(2026, 0, 31, 20, 0, 0); // 04:00 on Feb 1 in Shanghai
    expect(todayIn('Asia/Shanghai', t)).toBe('2026-02-01');
    expect(todayIn('UTC', t)).toBe('2026-01-31');
  });

  it('links a task to its account, else its related record', () => {
    expect(taskLink({ id: 't', account: 'a1', _display: { account: '华为' } })).toEqual({ href: '/o/account/a1', title: '华为' });
    expect(taskLink({ id: 't', related_object: 'lead', related_id: 'l1' })).toEqual({ href: '/o/lead/l1', title: 'lead' });
    expect(taskLink({ id: 't' })).toBeNull();
  });
});
