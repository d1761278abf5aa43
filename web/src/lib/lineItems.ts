/**
 * The arithmetic of a quote's, an order's or an opportunity's lines, exactly as the server does
 * it (packages/l2c: ROUND_HALF_UP to 0.01 per line), so the totals the editor shows while a rep
 * types are the cents the server will store.
 *
 *   line_total      = round(quantity × unit_price × (1 − discount_percent / 100))
 *   discount_amount = round(quantity × unit_price) − line_total
 *   tax_amount      = round(line_total × tax_rate / 100)
 *   subtotal = Σ line_total, discount = Σ discount_amount, tax = Σ tax_amount,
 *   grand_total = subtotal + tax
 */
import { add, compare as compareDecimal, isDecimal, multiply, roundHalfUp, subtract } from './decimal';

/** The editable part of a line (decimal strings as the API sends them; '' or null = empty). */
export interface LineValues {
  quantity: string | null;
  unit_price: string | null;
  discount_percent?: string | null;
  tax_rate?: string | null;
}

export interface LineAmounts {
  line_total: string;
  discount_amount: string;
  tax_amount: string;
}

export interface Totals {
  subtotal: string;
  discount: string;
  tax: string;
  grand_total: string;
}

const or0 = (v: string | null | undefined) => (v !== null && v !== undefined && isDecimal(v) ? v : '0');

/** One line's computed amounts (an empty quantity or price counts as 0). */
export function lineAmounts(line: LineValues): LineAmounts {
  const qty = or0(line.quantity);
  const price = or0(line.unit_price);
  const disc = or0(line.discount_percent);
  const gross = multiply(qty, price);
  const factor = subtract('1', multiply(disc, '0.01'));
  const lineTotal = roundHalfUp(multiply(gross, factor), 2);
  const discountAmount = roundHalfUp(subtract(roundHalfUp(gross, 2), lineTotal), 2);
  const tax = roundHalfUp(multiply(lineTotal, or0(line.tax_rate), '0.01'), 2);
  return { line_total: lineTotal, discount_amount: discountAmount, tax_amount: tax };
}

/** The document's footer: sums of the rounded lines, then subtotal + tax. */
export function totals(lines: LineValues[]): Totals {
  const amounts = lines.map(lineAmounts);
  const subtotal = roundHalfUp(add(...amounts.map((a) => a.line_total)), 2);
  const discount = roundHalfUp(add(...amounts.map((a) => a.discount_amount)), 2);
  const tax = roundHalfUp(add(...amounts.map((a) => a.tax_amount)), 2);
  return { subtotal, discount, tax, grand_total: roundHalfUp(add(subtotal, tax), 2) };
}

/** A row of the line-item editor: a saved line (`id`) or a new one, with its values as strings. */
export interface EditorRow extends LineValues {
  key: string;
  id?: string;
  version?: number;
  product: string | null;
  productLabel?: string;
  price_book?: string | null;
  sort_order?: number | null;
  description?: string | null;
}

/** The fields the editor writes (and compares to find what changed). */
export const EDITED_FIELDS = ['product', 'quantity', 'unit_price', 'discount_percent', 'tax_rate', 'sort_order', 'description', 'price_book'] as const;

function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === undefined || v === '' ? null : v);
  const x = norm(a);
  const y = norm(b);
  if (x === null || y === null) return x === y;
  if (isDecimal(String(x)) && isDecimal(String(y))) return compareDecimal(String(x), String(y)) === 0;
  return String(x) === String(y);
}

/** The writes that turn the saved lines into the edited rows: creates, updates (changed fields only), deletes. */
export function lineChanges(saved: EditorRow[], rows: EditorRow[]) {
  const creates: EditorRow[] = [];
  const updates: { row: EditorRow; values: Record<string, unknown> }[] = [];
  const byId = new Map(saved.filter((r) => r.id).map((r) => [r.id!, r]));
  rows.forEach((row, i) => {
    const withOrder = { ...row, sort_order: (i + 1) * 10 };
    if (!row.id) {
      creates.push(withOrder);
      return;
    }
    const before = byId.get(row.id);
    const values: Record<string, unknown> = {};
    for (const f of EDITED_FIELDS) {
      if (f === 'price_book' && withOrder.price_book === undefined) continue;
      if (!same(before?.[f], withOrder[f])) values[f] = withOrder[f] === '' ? null : withOrder[f];
    }
    if (Object.keys(values).length) updates.push({ row: withOrder, values });
  });
  const kept = new Set(rows.map((r) => r.id).filter(Boolean));
  const deletes = saved.filter((r) => r.id && !kept.has(r.id));
  return { creates, updates, deletes };
}

/** Per-field problems of a row the server would refuse (checked before saving). */
export function rowProblems(row: EditorRow): Partial<Record<'product' | 'quantity' | 'unit_price' | 'discount_percent' | 'tax_rate', 'required' | 'number' | 'negative' | 'over100'>> {
  const out: ReturnType<typeof rowProblems> = {};
  if (!row.product) out.product = 'required';
  const check = (name: 'quantity' | 'unit_price' | 'discount_percent' | 'tax_rate', required: boolean, maxHundred = false) => {
    const v = row[name];
    if (v === null || v === undefined || String(v).trim() === '') {
      if (required) out[name] = 'required';
      return;
    }
    if (!isDecimal(String(v))) out[name] = 'number';
    else if (compareDecimal(String(v), '0') < 0) out[name] = 'negative';
    else if (maxHundred && compareDecimal(String(v), '100') > 0) out[name] = 'over100';
  };
  check('quantity', true);
  check('unit_price', true);
  check('discount_percent', false, true);
  check('tax_rate', false, true);
  return out;
}
