import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { stubApi } from '../test/fetch';
import { renderWith } from '../test/render';
import type { ReportResult } from './api';
import { DASHBOARD_OBJECTS, runAnswer } from './fixtures';
import { WidgetChart } from './widgetChart';

vi.mock('../charts/EChart', () => ({ default: () => <div data-testid="echart" /> }));

const result = runAnswer().widgets[0].result as ReportResult;

describe('WidgetChart', () => {
  it('draws the report chart when the widget or its report has one', async () => {
    stubApi(() => ({ fiscal_year_start_month: 1 }));
    renderWith(<WidgetChart result={result} chart={{ type: 'bar', x: 'stage', value: 'sum_amount' }} height={200} />, { objects: DASHBOARD_OBJECTS });
    await waitFor(() => expect(screen.getByTestId('report-chart')).toBeTruthy());
    expect(screen.queryByTestId('result-table')).toBeNull();
  });

  it('shows the table without a chart or for a table chart', () => {
    stubApi(() => ({ fiscal_year_start_month: 1 }));
    renderWith(<WidgetChart result={result} chart={{ type: 'table' }} height={200} />, { objects: DASHBOARD_OBJECTS });
    expect(screen.getByTestId('result-table')).toBeTruthy();
  });

  // The server orders picklist keys by stored value; the widget shows them as the report does.
  const outOfOrder: ReportResult = {
    ...result,
    groups: [
      { key: { stage: 'won' }, values: { count: 3, sum_amount: 1250000.5 } },
      { key: { stage: 'prospecting' }, values: { count: 12, sum_amount: 360000 } },
    ],
  };
  const rowKeys = () =>
    Array.from(screen.getByTestId('result-table').querySelectorAll('tbody tr')).map((tr) => tr.querySelector('td')?.textContent);

  it('shows picklist groups in option order, as the report screens do', () => {
    stubApi(() => ({ fiscal_year_start_month: 1 }));
    renderWith(<WidgetChart result={outOfOrder} chart={{ type: 'table' }} height={200} />, { objects: DASHBOARD_OBJECTS });
    expect(rowKeys().slice(0, 2)).toEqual(['Prospecting', 'Closed won']);
  });

  it('keeps the ranking of a report sorted by a value', () => {
    stubApi(() => ({ fiscal_year_start_month: 1 }));
    renderWith(<WidgetChart result={outOfOrder} chart={{ type: 'table' }} sort={[{ key: 'sum_amount', direction: 'desc' }]} height={200} />, {
      objects: DASHBOARD_OBJECTS,
    });
    expect(rowKeys().slice(0, 2)).toEqual(['Closed won', 'Prospecting']);
  });
});
