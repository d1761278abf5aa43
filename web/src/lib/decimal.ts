/**
 * Exact decimal arithmetic on the decimal strings the API sends for money, quantities and
 * percents.
 *
 * Why not `Number`: 0.1 + 0.2 is 0.30000000000000004 in binary floating point, and a quote's
 * line total computed in the browser must be the same cent the server computes with Python's
 * `decimal.Decimal` (ROUND_HALF_UP to 0.01 per line). decimal.js-light does base-10 arithmetic;
 * this module is the app's only door to it, so values in and out stay plain strings.
 */
import DecimalLib from 'decimal.js-light';

/** 40 significant digits: far beyond any amount (18 digits, scale 6) times a quantity. */
const D = DecimalLib.clone({ precision: 40, rounding: DecimalLib.ROUND_HALF_UP });
type Dec = InstanceType<typeof D>;

/** What the helpers accept: a decimal string ("12.50"), an integer number, or nothing. */
export type DecimalInput = string | number | bigint | null | undefined;

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parse a decimal string ("1,234.50" and " 12 " accepted) or null when it is not a number.
 * Numbers are accepted only when they are integers or were typed by code (tests, constants):
 * a float such as 0.1 is converted through its shortest string, never its binary value.
 */
export function parseDecimal(value: DecimalInput): Dec | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return new D(value.toString());
  if (typeof value === 'number') return Number.isFinite(value) ? new D(String(value)) : null;
  const s = value.trim().replace(/,/g, '');
  if (!s || !DECIMAL_RE.test(s)) return null;
  return new D(s);
}

/** True when the value is a decimal the helpers can compute with. */
export function isDecimal(value: DecimalInput): boolean {
  return parseDecimal(value) !== null;
}

function req(value: DecimalInput): Dec {
  return parseDecimal(value) ?? new D(0);
}

/** Plain notation, never exponent ("1e-7" would not be a valid API decimal). */
function plain(d: Dec, scale?: number): string {
  return scale === undefined ? d.toFixed() : d.toFixed(scale);
}

/** a + b + … (missing values count as 0), as a plain decimal string. */
export function add(...values: DecimalInput[]): string {
  return plain(values.reduce<Dec>((sum, v) => sum.plus(req(v)), new D(0)));
}

/** a − b. */
export function subtract(a: DecimalInput, b: DecimalInput): string {
  return plain(req(a).minus(req(b)));
}

/** a × b × …, exact (no rounding until asked for). */
export function multiply(...values: DecimalInput[]): string {
  return plain(values.reduce<Dec>((prod, v) => prod.times(req(v)), new D(1)));
}

/** a ÷ b to `scale` places (half-up); null when dividing by zero. */
export function divide(a: DecimalInput, b: DecimalInput, scale = 10): string | null {
  const d = req(b);
  if (d.isZero()) return null;
  return plain(req(a).div(d).toDecimalPlaces(scale, D.ROUND_HALF_UP), undefined);
}

/**
 * Round half up (away from zero on a tie, like Python's ROUND_HALF_UP) to `scale` places and
 * write exactly `scale` places: roundHalfUp("2.675", 2) → "2.68", roundHalfUp("-0.125", 2) → "-0.13".
 */
export function roundHalfUp(value: DecimalInput, scale = 2): string {
  return plain(req(value).toDecimalPlaces(scale, D.ROUND_HALF_UP), scale);
}

/** −1, 0 or 1. */
export function compare(a: DecimalInput, b: DecimalInput): number {
  return req(a).comparedTo(req(b));
}

export function isZero(value: DecimalInput): boolean {
  return req(value).isZero();
}

/** The largest of the values (missing ones ignored); null when none is a number. */
export function max(...values: DecimalInput[]): string | null {
  let best: Dec | null = null;
  for (const v of values) {
    const d = parseDecimal(v);
    if (d && (best === null || d.greaterThan(best))) best = d;
  }
  return best ? plain(best) : null;
}

/** Group the integer digits by thousands ("1234567.5" → "1,234,567.5"), keeping every decimal. */
export function groupThousands(value: string, separator = ','): string {
  const neg = value.startsWith('-');
  const body = neg ? value.slice(1) : value;
  const [int, frac] = body.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  return `${neg ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** Currency symbols for the currencies the l2c package offers; other codes are written as "USD ". */
const SYMBOLS: Record<string, string> = { CNY: '¥', USD: '$', EUR: '€', HKD: 'HK$', JPY: '¥', GBP: '£' };
/** Yen have no minor unit. */
const SCALE: Record<string, number> = { JPY: 0 };

/**
 * Money as people read it: "¥1,234,567.80", "-$12.00", "HKD" codes with their symbol. Exact:
 * the digits come from the decimal string, never from a float (Intl.NumberFormat would take a
 * Number and lose cents above 2^53 / 100). Empty string for a missing value.
 */
export function formatMoney(value: DecimalInput, currency = 'CNY', opts: { scale?: number; code?: boolean } = {}): string {
  const d = parseDecimal(value);
  if (!d) return '';
  const code = (currency || 'CNY').toUpperCase();
  const scale = opts.scale ?? SCALE[code] ?? 2;
  const fixed = plain(d.toDecimalPlaces(scale, D.ROUND_HALF_UP), scale);
  const neg = fixed.startsWith('-') && !/^-0(\.0*)?$/.test(fixed);
  const digits = groupThousands(fixed.replace(/^-/, ''));
  const symbol = opts.code ? `${code} ` : (SYMBOLS[code] ?? `${code} `);
  return `${neg ? '-' : ''}${symbol}${digits}`;
}

/** A decimal with thousand separators and `scale` places (or as many as it has). */
export function formatDecimal(value: DecimalInput, scale?: number): string {
  const d = parseDecimal(value);
  if (!d) return '';
  return groupThousands(scale === undefined ? plain(d) : plain(d.toDecimalPlaces(scale, D.ROUND_HALF_UP), scale));
}

/** Drop trailing zeros of a plain decimal string ("12.500" → "12.5", "3.00" → "3"). */
export function normalize(value: DecimalInput): string {
  const d = parseDecimal(value);
  return d ? plain(d) : '';
}
