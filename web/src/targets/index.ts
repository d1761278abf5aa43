/**
 * What other screens use of the sales targets: the attainment list (progress bars) and the
 * self-fetching widget a dashboard places (metric + period type), with the API's types.
 */
export { AttainmentList, AttainmentWidget, formatValue, type AttainmentListProps, type AttainmentWidgetProps } from './AttainmentList';
export { METRICS, targetsApi, type Attainment, type AttainmentRow, type Metric } from './api';
export { periodContaining, periodLabel, type PeriodType } from './periods';
