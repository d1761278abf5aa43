/** Time-zone arithmetic with Intl only (no tz database of our own). */

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time in `timeZone` at the instant `utcMs`. */
export function wallClockIn(utcMs: number, timeZone: string): WallClock {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = partsFormat(timeZone).formatToParts(new Date(utcMs));
  } catch {
    parts = partsFormat('UTC').formatToParts(new Date(utcMs));
  }
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour') % 24,
    minute: get('minute'),
    second: get('second'),
  };
}

function offsetMs(utcMs: number, timeZone: string): number {
  const w = wallClockIn(utcMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The UTC instant (ms) of a wall-clock time in `timeZone`. */
export function zonedToUtcMs(w: Partial<WallClock> & { year: number; month: number; day: number }, timeZone: string): number {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour ?? 0, w.minute ?? 0, w.second ?? 0);
  const off1 = offsetMs(guess, timeZone);
  let t = guess - off1;
  const off2 = offsetMs(t, timeZone);
  if (off2 !== off1) t = guess - off2;
  return t;
}

/** 'YYYY-MM-DD' midnight in `timeZone`, as an ISO-8601 UTC string. */
export function zonedMidnightIso(day: string, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(zonedToUtcMs({ year: y, month: m, day: d }, timeZone)).toISOString();
}

/** 'YYYY-MM-DD' + n days. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}
