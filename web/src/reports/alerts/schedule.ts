/**
 * Schedules as people pick them — every day, on weekdays, one day a week, one day a month, at a
 * time — and as the server stores them: cron in the tenant's time zone (`0 9 * * 1`). A cron
 * the pickers cannot show (written through the API: `0 9 * * 1,3`) stays as it is, shown and
 * edited as text.
 */
import type { MessageKey, TFunction } from '../../i18n';

export type Frequency = 'daily' | 'weekdays' | 'weekly' | 'monthly' | 'custom';
export const FREQUENCIES: Frequency[] = ['daily', 'weekdays', 'weekly', 'monthly', 'custom'];

export interface Schedule {
  frequency: Frequency;
  /** `HH:MM`, the tenant's time. */
  time: string;
  /** 0 = Sunday … 6 = Saturday (cron's numbering). */
  weekday: number;
  /** 1–31. */
  monthday: number;
  /** The cron itself, for `custom`. */
  cron: string;
}

/** Monday first, as a week reads in both languages. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 0];
/** Days every month has: a schedule on the 31st would skip the shorter months. */
export const MONTHDAYS = Array.from({ length: 28 }, (_, i) => i + 1);

const pad = (n: number) => String(n).padStart(2, '0');
const integer = (text: string, min: number, max: number): number | null => {
  if (!/^\d{1,2}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
};

/** The pickers' view of a cron (`custom` when they cannot show it). */
export function parseCron(cron: string): Schedule {
  const fallback: Schedule = { frequency: 'custom', time: '09:00', weekday: 1, monthday: 1, cron };
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) return fallback;
  const [min, hour, dom, month, dow] = parts;
  const m = integer(min, 0, 59);
  const h = integer(hour, 0, 23);
  if (m === null || h === null || month !== '*') return fallback;
  const time = `${pad(h)}:${pad(m)}`;
  const base = { ...fallback, time };
  if (dom === '*' && dow === '*') return { ...base, frequency: 'daily' };
  if (dom === '*' && dow === '1-5') return { ...base, frequency: 'weekdays' };
  const day = integer(dow, 0, 7);
  if (dom === '*' && day !== null) return { ...base, frequency: 'weekly', weekday: day % 7 };
  const date = integer(dom, 1, 31);
  if (dow === '*' && date !== null) return { ...base, frequency: 'monthly', monthday: date };
  return fallback;
}

/** The cron the server stores for the pickers' choice. */
export function toCron(s: Schedule): string {
  if (s.frequency === 'custom') return s.cron.trim();
  const [h, m] = s.time.split(':').map(Number);
  const at = `${m} ${h}`;
  switch (s.frequency) {
    case 'daily':
      return `${at} * * *`;
    case 'weekdays':
      return `${at} * * 1-5`;
    case 'weekly':
      return `${at} * * ${s.weekday}`;
    case 'monthly':
      return `${at} ${s.monthday} * *`;
  }
}

/** Times to pick from: every half hour, and the one a stored schedule has. */
export function timeChoices(current?: string): string[] {
  const all = Array.from({ length: 48 }, (_, i) => `${pad(Math.floor(i / 2))}:${i % 2 ? '30' : '00'}`);
  return current && !all.includes(current) ? [...all, current].sort() : all;
}

/** "Every day at 09:00", "Mondays at 08:00", "Monthly on day 1 at 08:00", or the cron. */
export function describeSchedule(cron: string, t: TFunction): string {
  const s = parseCron(cron);
  switch (s.frequency) {
    case 'daily':
      return t('reports.schedule.describe.daily', { time: s.time });
    case 'weekdays':
      return t('reports.schedule.describe.weekdays', { time: s.time });
    case 'weekly':
      return t('reports.schedule.describe.weekly', { day: t(`reports.schedule.weekday.${s.weekday}` as MessageKey), time: s.time });
    case 'monthly':
      return t('reports.schedule.describe.monthly', { day: s.monthday, time: s.time });
    default:
      return t('reports.schedule.describe.custom', { cron });
  }
}
