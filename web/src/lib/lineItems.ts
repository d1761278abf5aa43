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
import { add, isDecimal, multiply, roundHalfUp, subtract } from './decimal';

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
