/**
 * Locale-aware formatting with the tenant's settings:
 * numbers and money follow the tenant locale and currency (Intl.NumberFormat),
 * date-times are shown in the tenant time zone; words (month names…) follow the UI language.
 */
export interface FormatSettings {
  /** UI language, e.g. 'zh-CN' or 'en' (date words). */
  lang: string;
  /** Tenant locale for numbers, e.g. 'zh-CN'. */
  locale: string;
  /** Tenant default currency (ISO 4217). */
  currency: string;
  /** Tenant IANA time zone. */
  timeZone: string;
}

export const DEFAULT_FORMAT: FormatSettings = {
  lang: 'en',
  locale: 'zh-CN',
  currency: 'CNY',
  timeZone: 'Asia/Shanghai',
};

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${locale}|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, options);
    } catch {
      f = new Intl.NumberFormat('en', { ...options, currency: options.currency ? options.currency : undefined });
    }
    cache.set(key, f);
  }
  return f;
}
function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale}|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(locale, options);
    } catch {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
    }
    cache.set(key, f);
  }
  return f;
}

export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

export function formatNumber(value: unknown, s: FormatSettings, scale?: number | null): string {
  const n = toNumber(value);
  if (n === null) return '';
  const opts: Intl.NumberFormatOptions =
    scale === undefined || scale === null
      ? { maximumFractionDigits: 6 }
      : { minimumFractionDigits: scale, maximumFractionDigits: scale };
  return numberFormat(s.locale, opts).format(n);
}

export function formatInteger(value: unknown, s: FormatSettings): string {
  const n = toNumber(value);
  if (n === null) return '';
  return numberFormat(s.locale, { maximumFractionDigits: 0 }).format(n);
}

export function formatCurrency(value: unknown, s: FormatSettings, currency?: string | null, scale?: number | null): string {
  const n = toNumber(value);
  if (n === null) return '';
  const code = (currency || s.currency || 'CNY').toUpperCase();
  const digits = scale ?? 2;
  try {
    return numberFormat(s.locale, {
      style: 'currency',
      currency: code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(n);
  } catch {
    return `${code} ${formatNumber(n, s, digits)}`;
  }
}

/**
 * The locale of compact notation. Its units are words of the UI language (万/亿 in Chinese,
 * K/M/B in English), so they follow the language the person reads, not the tenant's number
 * locale: an English UI on a Chinese company would otherwise show amounts in 万.
 */
function compactLocale(s: FormatSettings): string {
  return s.lang || s.locale;
}

/** Compact numbers for charts/KPIs: 1.2M in English, 120万 in Chinese. */
export function formatCompactNumber(value: unknown, s: FormatSettings): string {
  const n = toNumber(value);
  if (n === null) return '';
  return numberFormat(compactLocale(s), { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** Compact money for charts/KPIs: CN¥1.2M in English, ¥120万 in Chinese. */
export function formatCompactCurrency(value: unknown, s: FormatSettings, currency?: string | null): string {
  const n = toNumber(value);
  if (n === null) return '';
  const code = (currency || s.currency || 'CNY').toUpperCase();
  try {
    return numberFormat(compactLocale(s), { style: 'currency', currency: code, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 }).format(n);
  } catch {
    return formatCurrency(n, s, code);
  }
}

/** Percent fields hold the number of percent (25 → 25%). */
export function formatPercent(value: unknown, s: FormatSettings, scale?: number | null): string {
  const n = toNumber(value);
  if (n === null) return '';
  const digits = scale ?? 2;
  return `${numberFormat(s.locale, { maximumFractionDigits: digits }).format(n)}%`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Dates are calendar days: never shifted by a time zone. */
export function formatDate(value: unknown, s: FormatSettings): string {
  if (value === null || value === undefined || value === '') return '';
  const str = String(value);
  const m = DATE_RE.exec(str.slice(0, 10));
  if (!m) return str;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return dateFormat(s.lang, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(d);
}

export function parseDateTime(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const d = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Date-times (ISO-8601 UTC) shown in the tenant time zone. */
export function formatDateTime(value: unknown, s: FormatSettings): string {
  const d = parseDateTime(value);
  if (!d) return value === null || value === undefined ? '' : String(value);
  return dateFormat(s.lang, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: s.timeZone,
  }).format(d);
}

/** "3 minutes ago" / "3 分钟前"; falls back to the date after a week. */
export function formatRelative(value: unknown, s: FormatSettings, now: Date = new Date()): string {
  const d = parseDateTime(value);
  if (!d) return '';
  const diff = (d.getTime() - now.getTime()) / 1000;
  const abs = Math.abs(diff);
  let rtf: Intl.RelativeTimeFormat;
  try {
    rtf = new Intl.RelativeTimeFormat(s.lang, { numeric: 'auto' });
  } catch {
    return formatDateTime(d, s);
  }
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(diff / 3600), 'hour');
  if (abs < 7 * 86400) return rtf.format(Math.round(diff / 86400), 'day');
  return formatDateTime(d, s);
}

/** Today's calendar date (YYYY-MM-DD) in the given time zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    return parts;
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/**
 * Build the formatters a first page uses while the browser is still waiting for its code. A
 * locale's first Intl formatter loads ICU data on the main thread (~25 ms measured on a cold
 * load), which otherwise landed inside the first render of a list with money or dates. The
 * formatters are cached (above), so the page's own calls reuse them.
 */
export function warmFormatters(s: FormatSettings): void {
  const now = new Date().toISOString();
  formatCurrency(1, s);
  formatNumber(1.5, s);
  formatInteger(1, s);
  formatDate(now.slice(0, 10), s);
  formatDateTime(now, s);
}
