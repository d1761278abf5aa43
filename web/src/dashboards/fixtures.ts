/**
 * Test data for the dashboard screens' tests: a dashboard of a report, a KPI, a report closed
 * to the reader and a target widget, and the server's answers for it (as the issue-14 contract
 * spells them). Imported by tests only.
 */
import type { ObjectMeta } from '../api/types';
import { OBJECTS, opportunity } from '../test/fixtures';
import type { Attainment } from '../targets';
import type { Dashboard, DashboardRun } from './api';

/** The opportunity with a sales process (`pipeline`) picklist, as the sales package ships it. */
export const OPPORTUNITY_WITH_PIPELINE: ObjectMeta = {
  ...opportunity,
  fields: [
    ...opportunity.fields,
    {
      name: 'pipeline',
      type: 'picklist',
      labels: { en: 'Sales process', 'zh-CN': '销售流程' },
      options: [
        { value: 'standard', labels: { en: 'Standard sale', 'zh-CN': '标准销售流程' } },
        { value: 'project', labels: { en: 'Project sale', 'zh-CN': '项目型销售' } },
      ],
    } as ObjectMeta['fields'][number],
  ],
};
export const DASHBOARD_OBJECTS: ObjectMeta[] = OBJECTS.map((o) => (o.name === 'opportunity' ? OPPORTUNITY_WITH_PIPELINE : o));

export const DASHBOARD_ID = 'd0000000-0000-4000-8000-000000000001';
export const REPORT_ID = 'r0000000-0000-4000-8000-000000000001';

export function dashboard(overrides: Partial<Dashboard> = {}): Dashboard {
  return {
    id: DASHBOARD_ID,
    name: { en: 'Sales overview', 'zh-CN': '销售概览' },
    description: null,
    folder_id: null,
    owner_id: 'u-manager',
    can_edit: true,
    version: 3,
    layout: [
      { id: 'pipe', kind: 'report', report_id: REPORT_ID, x: 0, y: 0, w: 6, h: 8 },
      { id: 'won', kind: 'kpi', report_id: REPORT_ID, value: 'sum_amount', target: 1000000, compare: 'previous_period', title: 'Won this quarter', x: 6, y: 0, w: 3, h: 4 },
      { id: 'closed', kind: 'report', report_id: 'r-closed', x: 9, y: 0, w: 3, h: 4 },
      { id: 'goal', kind: 'target', metric: 'won_amount', period_type: 'quarter', x: 6, y: 4, w: 6, h: 8 },
    ],
    filters: { period: 'this_quarter' },
    ...overrides,
  };
}

/** What POST …/run answers for `dashboard()`: each widget its own result or error. */
export function runAnswer(): DashboardRun {
  return {
    widgets: [
      {
        id: 'pipe',
        kind: 'report',
        report: { id: REPORT_ID, name: { en: 'Pipeline by stage', 'zh-CN': '各阶段商机' } },
        chart: { type: 'table' },
        filters_ignored: ['pipeline'],
        result: {
          type: 'summary',
          object: 'opportunity',
          columns: [
            { key: 'stage', kind: 'row_group', label: 'Stage', type: 'picklist', options: ['prospecting', 'won', 'lost'] },
            { key: 'count', kind: 'aggregate', op: 'count', field: null },
            { key: 'sum_amount', kind: 'aggregate', op: 'sum', field: 'amount', field_label: 'Amount', type: 'currency' },
          ],
          groups: [
            { key: { stage: 'prospecting' }, values: { count: 12, sum_amount: 360000 } },
            { key: { stage: 'won' }, values: { count: 3, sum_amount: 1250000.5 } },
          ],
          subtotals: [],
          totals: { count: 15, sum_amount: 1610000.5 },
          truncated: false,
        },
      },
      {
        id: 'won',
        kind: 'kpi',
        report: { id: REPORT_ID, name: 'Pipeline by stage' },
        result: {
          value_name: 'sum_amount',
          value: 1250000.5,
          target: 1000000,
          previous: 1000000.4,
          trend_percent: 25.01,
          column: { key: 'sum_amount', kind: 'aggregate', op: 'sum', field: 'amount', type: 'currency' },
        },
      },
      { id: 'closed', kind: 'report', error: { status: 403, code: 'report_field_hidden' } },
      { id: 'goal', kind: 'target', result: { metric: 'won_amount', period_type: 'quarter', department: null, user: null } },
    ],
  };
}

export function attainmentAnswer(): Attainment {
  return {
    metric: 'won_amount',
    period_type: 'quarter',
    currency: 'CNY',
    period: { start: '2026-05-01', end: '2026-07-31', elapsed_percent: '50.00' },
    rows: [
      { kind: 'department', id: 'dep-east', name: 'East China', target: '2000000.00', actual: '1100000.00', attainment_percent: '55.00', gap: '900000.00', projected: '2200000.00', on_track: true },
      { kind: 'user', id: 'u-li', name: 'Rep Li', target: '1000000.00', actual: '300000.00', attainment_percent: '30.00', gap: '700000.00', projected: '600000.00', on_track: false },
    ],
  };
}
