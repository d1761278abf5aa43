/** Metadata of the l2c package's objects, as much as the lead-to-cash screens read. */
import type { ObjectMeta } from '../api/types';
import { account, contact, field, opportunity } from './fixtures';

const STATUS = (values: string[]) =>
  field('status', 'picklist', { options: values.map((v) => ({ value: v, labels: { en: v.replace(/_/g, ' '), 'zh-CN': `状态${v}` } })) });

const obj = (name: string, en: string, fields: ObjectMeta['fields'], pkg = 'l2c'): ObjectMeta => ({
  name,
  labels: { en, 'zh-CN': en },
  plural_labels: { en: `${en}s`, 'zh-CN': en },
  name_field: 'name',
  package: pkg,
  permissions: { read: true, create: true, edit: true, delete: true },
  fields: [field('id', 'text', { read_only: true }), field('version', 'integer', { read_only: true }), field('name', 'text'), ...fields],
});

export const product = obj('product', 'Product', [field('code', 'text'), field('list_price', 'currency'), field('tax_rate', 'percent'), field('active', 'boolean')]);
export const priceBook = obj('price_book', 'Price book', [field('currency', 'picklist'), field('is_standard', 'boolean'), field('active', 'boolean')]);
export const priceBookEntry = obj('price_book_entry', 'Price book entry', [
  field('price_book', 'master_detail', { target: 'price_book' }),
  field('product', 'lookup', { target: 'product' }),
  field('unit_price', 'currency'),
]);
export const quote = obj('quote', 'Quote', [
  field('opportunity', 'lookup', { target: 'opportunity' }),
  field('account', 'lookup', { target: 'account' }),
  field('price_book', 'lookup', { target: 'price_book' }),
  STATUS(['draft', 'in_approval', 'approved', 'sent', 'accepted', 'rejected', 'expired']),
  field('grand_total', 'formula', { read_only: true }),
]);
const lineFields = (parent: string) => [
  field(parent, 'master_detail', { target: parent }),
  field('product', 'lookup', { target: 'product' }),
  field('quantity', 'decimal'),
  field('unit_price', 'currency'),
  field('discount_percent', 'percent'),
  field('tax_rate', 'percent'),
  field('line_total', 'currency', { read_only: true }),
  field('sort_order', 'integer'),
];
export const quoteLine = obj('quote_line', 'Quote line', lineFields('quote'));
export const opportunityLine = obj('opportunity_line', 'Opportunity line', [...lineFields('opportunity'), field('price_book', 'lookup', { target: 'price_book' })]);
export const contract = obj('contract', 'Contract', [
  field('opportunity', 'lookup', { target: 'opportunity' }),
  field('quote', 'lookup', { target: 'quote' }),
  field('amount', 'currency'),
  STATUS(['draft', 'in_approval', 'active', 'expired', 'terminated']),
]);
export const order = obj('order', 'Order', [field('contract', 'lookup', { target: 'contract' }), field('quote', 'lookup', { target: 'quote' }), field('opportunity', 'lookup', { target: 'opportunity' }), STATUS(['draft', 'confirmed'])]);
export const invoice = obj('invoice', 'Invoice', [field('contract', 'lookup', { target: 'contract' }), field('order', 'lookup', { target: 'order' }), STATUS(['requested', 'issued', 'voided'])]);
export const paymentPlan = obj('payment_plan', 'Payment plan', [field('contract', 'lookup', { target: 'contract' }), field('order', 'lookup', { target: 'order' }), field('amount', 'currency'), STATUS(['pending', 'partly_paid', 'paid', 'overdue'])]);
export const payment = obj('payment', 'Payment', [field('contract', 'lookup', { target: 'contract' }), field('order', 'lookup', { target: 'order' }), field('amount', 'currency')]);
export const lead: ObjectMeta = {
  name: 'lead',
  labels: { en: 'Lead', 'zh-CN': '线索' },
  plural_labels: { en: 'Leads', 'zh-CN': '线索' },
  name_field: 'name',
  package: 'sales',
  fields: [field('id', 'text'), field('name', 'text'), field('company', 'text'), field('mobile', 'phone'), field('email', 'email'), field('status', 'picklist')],
};

export const L2C_OBJECTS: ObjectMeta[] = [account, opportunity, contact, lead, product, priceBook, priceBookEntry, quote, quoteLine, opportunityLine, contract, order, invoice, paymentPlan, payment];
