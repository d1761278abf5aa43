/**
 * The deal's chain on opportunity, quote and contract pages: opportunity → quotes → contract →
 * orders → invoices → payment plans / payments, each with its count and the statuses of its
 * records, so a rep sees at a glance where the money is.
 *
 * Built from the generic records API (filters on the lookup fields): the chain is anchored at
 * the opportunity (a quote's or contract's), and contracts/orders found there lead to their
 * invoices, plans and payments.
 */
import '../../i18n/l2c';
import { RightOutlined } from '@ant-design/icons';
import { Tag } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/endpoints';
import type { FilterNode, ObjectMeta, RecordData } from '../../api/types';
import { optionColor } from '../../fields/display';
import { optionLabel } from '../../fields/text';
import { useI18n } from '../../i18n';
import { recordTitle } from '../../lib/fields';
import { serializeFilterState } from '../../lib/filter';
import { useMetadata } from '../../state/metadata';
import './l2c.css';

/** The pages that show the chain. */
export const CHAIN_OBJECTS = new Set(['opportunity', 'quote', 'contract']);

export interface ChainStep {
  object: string;
  /** The records of this step (at most a page), with their status. */
  records: RecordData[];
  /** A list filter showing all of them. */
  filter: FilterNode | null;
}

/** Where the chain starts: the opportunity and contract ids the record belongs to. */
export function chainAnchors(object: string, record: RecordData): { opportunity: string | null; contract: string | null; quote: string | null } {
  const s = (v: unknown) => (typeof v === 'string' && v ? v : null);
  if (object === 'opportunity') return { opportunity: record.id, contract: null, quote: null };
  if (object === 'quote') return { opportunity: s(record.opportunity), contract: null, quote: record.id };
  if (object === 'contract') return { opportunity: s(record.opportunity), contract: record.id, quote: s(record.quote) };
  return { opportunity: null, contract: null, quote: null };
}

const inIds = (field: string, ids: string[]): FilterNode | null => (ids.length ? (ids.length === 1 ? { field, op: 'eq', value: ids[0] } : { field, op: 'in', value: ids }) : null);
const either = (...nodes: (FilterNode | null)[]): FilterNode | null => {
  const present = nodes.filter((n): n is FilterNode => n !== null);
  return present.length === 0 ? null : present.length === 1 ? present[0] : { or: present };
};

/** Load the chain; objects the tenant does not have (l2c not installed) are left out. */
export async function loadChain(object: string, record: RecordData, has: (name: string) => ObjectMeta | undefined, signal?: AbortSignal): Promise<ChainStep[]> {
  const a = chainAnchors(object, record);
  const list = async (name: string, filter: FilterNode | null, fields: string[]): Promise<RecordData[]> => {
    const meta = has(name);
    if (!meta || !filter) return [];
    const wanted = fields.filter((f) => meta.fields.some((x) => x.name === f));
    const page = await api.query(name, { filter, fields: Array.from(new Set([meta.name_field, ...wanted])), sort: [{ field: 'created_at', direction: 'asc' }], limit: 50 }, signal);
    return page.records;
  };
  const steps: ChainStep[] = [];
  let opportunity: RecordData[] = [];
  if (a.opportunity && has('opportunity')) {
    opportunity = object === 'opportunity' ? [record] : [await api.get('opportunity', a.opportunity, signal)];
  }
  steps.push({ object: 'opportunity', records: opportunity, filter: a.opportunity ? { field: 'id', op: 'eq', value: a.opportunity } : null });

  const quoteFilter = either(inIds('opportunity', a.opportunity ? [a.opportunity] : []), a.opportunity ? null : inIds('id', a.quote ? [a.quote] : []));
  const quotes = await list('quote', quoteFilter, ['status', 'revision', 'superseded', 'grand_total']);
  steps.push({ object: 'quote', records: quotes, filter: quoteFilter });

  const contractFilter = a.contract ? { field: 'id', op: 'eq' as const, value: a.contract } : either(inIds('opportunity', a.opportunity ? [a.opportunity] : []), inIds('quote', quotes.map((q) => q.id)));
  const contracts = await list('contract', contractFilter, ['status', 'amount']);
  steps.push({ object: 'contract', records: contracts, filter: contractFilter });
  const contractIds = contracts.map((c) => c.id);

  const orderFilter = either(inIds('contract', contractIds), inIds('quote', quotes.map((q) => q.id)), inIds('opportunity', a.opportunity ? [a.opportunity] : []));
  const orders = await list('order', orderFilter, ['status', 'grand_total']);
  steps.push({ object: 'order', records: orders, filter: orderFilter });
  const orderIds = orders.map((o) => o.id);

  const downstream = either(inIds('contract', contractIds), inIds('order', orderIds));
  const [invoices, plans, payments] = await Promise.all([
    list('invoice', downstream, ['status', 'amount']),
    list('payment_plan', downstream, ['status', 'amount', 'received']),
    list('payment', downstream, ['amount']),
  ]);
  steps.push({ object: 'invoice', records: invoices, filter: downstream });
  steps.push({ object: 'payment_plan', records: plans, filter: downstream });
  steps.push({ object: 'payment', records: payments, filter: downstream });
  return steps.filter((s) => has(s.object));
}

/** The list page of a step's records, filtered like the chain (the list's `f` filter state). */
export function chainListUrl(step: ChainStep, titles: Record<string, string> = {}): string | null {
  if (!step.filter) return null;
  const nodes = 'or' in step.filter ? step.filter.or : [step.filter];
  const conditions = nodes.flatMap((n, i) => {
    if (!('field' in n) || n.field === 'id') return [];
    const ids = Array.isArray(n.value) ? (n.value as string[]) : [String(n.value)];
    return [{ id: `c${i}`, field: n.field, op: 'in' as const, value: ids.map((id) => ({ value: id, label: titles[id] ?? id })) }];
  });
  if (conditions.length === 0) return null;
  return `/o/${step.object}?f=${encodeURIComponent(serializeFilterState({ match: 'or', conditions }))}`;
}

/** Count of each status among the records ("2 draft, 1 sent"). */
export function statusCounts(records: RecordData[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of records) if (typeof r.status === 'string') counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts.entries()];
}

export function DealChain({ object, record, refreshKey = 0 }: { object: string; record: RecordData; refreshKey?: number }) {
  const { t, label, lang } = useI18n();
  const { getObject } = useMetadata();
  const [steps, setSteps] = useState<ChainStep[] | null>(null);
  const enabled = CHAIN_OBJECTS.has(object) && !!getObject('quote');

  useEffect(() => {
    if (!enabled) return;
    const ctrl = new AbortController();
    loadChain(object, record, getObject, ctrl.signal)
      .then(setSteps)
      .catch(() => undefined);
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, object, record.id, record.version, refreshKey]);

  if (!enabled || !steps) return null;
  // Titles of the chain's records, for the filter chips of a "see all" list.
  const titles: Record<string, string> = {};
  for (const st of steps) for (const r of st.records) titles[r.id] = recordTitle(getObject(st.object), r);
  return (
    <nav className="ky-chain" aria-label={t('chain.title')} data-testid="deal-chain">
      {steps.map((step, i) => {
        const meta = getObject(step.object)!;
        const status = meta.fields.find((f) => f.name === 'status');
        const title = label(meta.plural_labels ?? meta.labels, meta.name);
        const only = step.records.length === 1 ? step.records[0] : null;
        const to = only ? `/o/${step.object}/${encodeURIComponent(only.id)}` : step.records.length > 0 ? chainListUrl(step, titles) : null;
        const current = step.records.some((r) => r.id === record.id) && step.object === object;
        return (
          <div key={step.object} className={`ky-chain-step${current ? ' is-current' : ''}${step.records.length === 0 ? ' is-empty' : ''}`} data-testid={`chain-${step.object}`}>
            {i > 0 && <RightOutlined className="ky-chain-arrow" aria-hidden />}
            <div className="ky-chain-body">
              <div className="ky-chain-label">
                {to ? <Link to={to}>{title}</Link> : title} <span className="ky-chain-count">{step.records.length}</span>
              </div>
              <div className="ky-chain-status">
                {step.records.length === 0 ? (
                  <span className="ky-chain-none">{t('chain.none')}</span>
                ) : only && !status ? (
                  <span>{recordTitle(meta, only)}</span>
                ) : status ? (
                  statusCounts(step.records).map(([value, n]) => (
                    <Tag key={value} color={optionColor(status, value)} bordered={false}>
                      {optionLabel(status, value, lang)}
                      {n > 1 ? ` ×${n}` : ''}
                    </Tag>
                  ))
                ) : null}
              </div>
            </div>
          </div>
        );
      })}
    </nav>
  );
}
