/** "My tasks today": the query and small helpers, free of React for unit tests. */
import type { QueryBody, RecordData } from '../api/types';
import { wallClockIn } from './tz';

/** Open tasks owned by `userId`, due today or earlier (the server resolves "today" in the tenant's zone). */
export function myTasksQuery(userId: string, limit = 20): QueryBody {
  return {
    filter: {
      and: [
        { field: 'type', op: 'eq', value: 'task' },
        { field: 'owner_id', op: 'eq', value: userId },
        { field: 'due_date', op: 'lte', value: 'today' },
        { field: 'status', op: 'eq', value: 'open' },
      ],
    },
    sort: [{ field: 'due_date', direction: 'asc' }],
    fields: ['id', 'version', 'subject', 'due_date', 'status', 'priority', 'related_object', 'related_id', 'account'],
    limit,
  };
}

/** Today as YYYY-MM-DD on the tenant's wall clock (to mark overdue tasks). */
export function todayIn(timeZone: string, now: number = Date.now()): string {
  const w = wallClockIn(now, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** Where a task points: its account when known (with a title), else the related record. */
export function taskLink(task: RecordData): { href: string; title: string } | null {
  const account = task.account as string | null | undefined;
  if (account) return { href: `/o/account/${encodeURIComponent(account)}`, title: task._display?.account ?? '' };
  if (task.related_object && task.related_id) {
    return { href: `/o/${String(task.related_object)}/${encodeURIComponent(String(task.related_id))}`, title: String(task.related_object) };
  }
  return null;
}
