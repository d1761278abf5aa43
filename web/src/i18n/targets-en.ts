/**
 * English strings of the sales target screens (the Targets page and the attainment widget),
 * registered by i18n/targets.ts when those load (not with the app); every key must exist in
 * targets-zh-CN.ts.
 */
const targetsEn = {
  'targets.title': 'Sales targets',
  'targets.rateMissing': 'No exchange rate for {currency}: those amounts are left out of the {base} figures.',
  'targets.subtitle': 'Targets per rep and department, and how each is doing against them.',
  'targets.metric': 'Metric',
  'targets.periodType': 'Period',
  'targets.period.month': 'Monthly',
  'targets.period.quarter': 'Quarterly',
  'targets.period.year': 'Yearly',
  'targets.year': 'Fiscal year',
  'targets.department': 'Department',
  'targets.allDepartments': 'All departments',
  'targets.name': 'Rep / department',
  'targets.total': 'Total',
  'targets.rolled': 'Sum of its members and sub-departments',
  'targets.own': "The department's own target",
  'targets.edit': 'Target of {name} for {period}',
  'targets.saved': 'Target saved',
  'targets.removed': 'Target removed',
  'targets.invalid': 'Enter a number of at least 0, e.g. 1200000',
  'targets.stale': 'Someone else changed this target meanwhile; the grid shows theirs now.',
  'targets.readOnly': 'You can read these targets; administrators and managers set them.',
  'targets.empty': 'No one to set targets for yet.',
  'targets.attainment': 'Attainment',
  'targets.attainmentFor': 'Attainment · {period}',
  'targets.actual': 'Actual',
  'targets.target': 'Target',
  'targets.gap': 'Gap',
  'targets.projected': 'Projected',
  'targets.onTrack': 'On track',
  'targets.behind': 'Behind',
  'targets.noTarget': 'No target',
  'targets.elapsed': '{percent}% of the period elapsed',
  'targets.noRows': 'No targets or results for this period.',
  'targets.metric.won_amount': 'Won amount',
  'targets.metric.won_count': 'Deals won',
  'targets.metric.new_accounts': 'New accounts',
  'targets.metric.activities': 'Activities completed',
  'targets.metric.payments_received': 'Payments received',
} as const;

export type TargetsKey = keyof typeof targetsEn;
export default targetsEn;
