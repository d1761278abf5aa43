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
});
