/** Report results as POST /reports/run answers them, for the tests of the report screens. */
import type { MatrixResult, SummaryResult, TabularResult } from '../api';

const stage = { key: 'stage', kind: 'row_group' as const, label: 'stage', type: 'picklist', bucket: null, options: ['prospecting', 'won', 'lost'] };
const month = { key: 'close_date', kind: 'row_group' as const, label: 'close date', type: 'date', bucket: 'month' as const };
const count = { key: 'count', kind: 'aggregate' as const, op: 'count' as const, field: null, percent_of_total: false };
const amount = { key: 'sum_amount', kind: 'aggregate' as const, op: 'sum' as const, field: 'amount', field_label: 'amount', type: 'currency', percent_of_total: true };

/** Opportunities by stage and close month: count, sum of amount and its share. */
export function summaryByStageAndMonth(): SummaryResult {
  return {
    type: 'summary',
    object: 'opportunity',
    columns: [stage, month, count, amount],
    groups: [
      { key: { stage: 'prospecting', close_date: '2026-01-01' }, values: { count: 2, sum_amount: 1000, percent_sum_amount: 10 } },
      { key: { stage: 'prospecting', close_date: '2026-02-01' }, values: { count: 1, sum_amount: 500.5, percent_sum_amount: 5 } },
      { key: { stage: 'won', close_date: '2026-01-01' }, values: { count: 3, sum_amount: 8000, percent_sum_amount: 80 } },
      { key: { stage: null, close_date: null }, values: { count: 1, sum_amount: 499.5, percent_sum_amount: 5 } },
    ],
    subtotals: [
      { level: 1, key: { stage: 'prospecting' }, values: { count: 3, sum_amount: 1500.5, percent_sum_amount: 15 } },
      { level: 1, key: { stage: 'won' }, values: { count: 3, sum_amount: 8000, percent_sum_amount: 80 } },
      { level: 1, key: { stage: null }, values: { count: 1, sum_amount: 499.5, percent_sum_amount: 5 } },
    ],
    totals: { count: 7, sum_amount: 10000, percent_sum_amount: 100 },
    truncated: false,
  };
}

/** Accounts: industry (rows) × created quarter (columns), counted. The first row has no
 * 2026 Q1, so the folded column totals list 2026 Q2 first. */
export function matrixByIndustryAndQuarter(): MatrixResult {
  return {
    type: 'matrix',
    object: 'account',
    columns: [
      { key: 'industry', kind: 'row_group', label: 'industry', type: 'picklist', bucket: null, options: ['manufacturing', 'it'] },
      { key: 'created_at', kind: 'column_group', label: 'created at', type: 'datetime', bucket: 'quarter' },
      { key: 'count', kind: 'aggregate', op: 'count', field: null, percent_of_total: false },
    ],
    groups: [
      { key: { industry: 'manufacturing', created_at: '2026-04-01' }, values: { count: 4 } },
      { key: { industry: 'it', created_at: '2026-01-01' }, values: { count: 2 } },
      { key: { industry: 'it', created_at: '2026-04-01' }, values: { count: 1 } },
    ],
    row_totals: [
      { key: { industry: 'manufacturing' }, values: { count: 4 } },
      { key: { industry: 'it' }, values: { count: 3 } },
    ],
    column_totals: [
      { key: { created_at: '2026-04-01' }, values: { count: 5 } },
      { key: { created_at: '2026-01-01' }, values: { count: 2 } },
    ],
    totals: { count: 7 },
    truncated: false,
  };
}

export function tabularOpportunities(cursor: string | null = 'c2'): TabularResult {
  return {
    type: 'tabular',
    object: 'opportunity',
    columns: [
      { key: 'count', kind: 'aggregate', op: 'count', field: null, percent_of_total: false },
      { key: 'name', kind: 'detail', label: 'name', type: 'text' },
      { key: 'stage', kind: 'detail', label: 'stage', type: 'picklist', options: ['prospecting', 'won', 'lost'] },
      { key: 'amount', kind: 'detail', label: 'amount', type: 'currency' },
    ],
    records: [
      { id: 'O1', name: 'Big deal', stage: 'won', amount: 8000 },
      { id: 'O2', name: 'Small deal', stage: 'prospecting', amount: 500.5 },
    ],
    next_cursor: cursor,
    totals: { count: 3 },
  };
}
