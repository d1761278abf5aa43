/**
 * SLA countdowns as the console shows them: time left to a case's next due time (negative once
 * overdue), short and readable ("3d 4h", "2h 05m", "-45m"), and the colour of its state (on
 * track green, at risk orange, breached red, paused grey, met blue). Pure, so the page ticks
 * by re-rendering with a new `now`.
 */
import type { ConsoleCase, SlaStatus } from '../../api/service';

export const SLA_COLORS: Record<SlaStatus, string> = {
  on_track: 'green',
  warning: 'orange',
  breached: 'red',
  paused: 'default',
  met: 'blue',
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds until `due` (negative once it passed); null without a due time. */
export function remaining(due: string | null | undefined, now: number): number | null {
  if (!due) return null;
  const at = Date.parse(due);
  return Number.isNaN(at) ? null : at - now;
}

/** "3d 4h", "2h 05m", "12m", "-1h 10m": days and hours, or hours and minutes, or minutes. */
export function formatCountdown(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let left = Math.abs(ms);
  const days = Math.floor(left / DAY);
  left -= days * DAY;
  const hours = Math.floor(left / HOUR);
  left -= hours * HOUR;
  const minutes = Math.floor(left / MINUTE);
  if (days > 0) return `${sign}${days}d ${hours}h`;
  if (hours > 0) return `${sign}${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${sign}${minutes}m`;
}

/**
 * The state to colour by: the server's, except that a deadline passing while the page is open
 * shows as breached at once (the escalation job records it on its next round); a paused clock
 * stays paused.
 */
export function liveState(c: Pick<ConsoleCase, 'sla_status' | 'next_due'>, now: number): SlaStatus | null {
  const left = remaining(c.next_due, now);
  if (c.sla_status === 'paused' || c.sla_status === 'met') return c.sla_status;
  if (left !== null && left < 0) return 'breached';
  return c.sla_status ?? (left === null ? null : 'on_track');
}
