import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EChartOption } from '../../charts/EChart';
import { MOVEMENT, FUNNEL } from '../../test/analytics';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import PipelinePage from './PipelinePage';

// The chart itself needs a canvas: the test reads the option the page hands it.
vi.mock('../../charts/EChart', () => ({
  default: ({ option }: { option: EChartOption }) => {
    const series = (option.series as { data: { name: string; value: number }[] }[])[0];
    return <div data-testid="echart">{series.data.map((d) => `${d.name}=${d.value}`).join('|')}</div>;
  },
}));

afterEach(() => vi.unstubAllGlobals());

function answer(s: Sent): unknown {
  if (s.url.endsWith('/analytics/funnel')) return FUNNEL;
  if (s.url.endsWith('/analytics/pipeline-movement')) return MOVEMENT;
  if (s.url.endsWith('/records/opportunity/query')) {
    return {
      records: [
        { id: 'W1', name: '云帆 ERP', stage: 'won', amount: 100, close_date: '2025-03-30' },
        { id: 'W2', name: 'Big deal', stage: 'won', amount: 200, close_date: '2025-03-31' },
      ],
      next_cursor: null,
    };
  }
  throw new Error(`unexpected ${s.url}`);
}

describe('PipelinePage', () => {
  it('draws the funnel with conversion rates and lists the period’s movement with drill-down', async () => {
    const sent = stubApi(answer);
    renderWith(<PipelinePage />, { path: '/analytics/pipeline' });

    expect((await screen.findByTestId('echart')).textContent).toBe('Prospecting=8|Qualification=6|Negotiation=5|Closed won=2');
    const table = screen.getByTestId('pipeline-funnel-table');
    const prospecting = within(table).getByText('Prospecting').closest('tr')!;
    expect(prospecting.textContent).toContain('75%');
    expect(within(table).getByText('Qualification').closest('tr')!.textContent).toContain('83.33%');
    expect(screen.getByTestId('pipeline-summary').textContent).toContain('Win rate 25%');

    // By amount: the same stages, their money.
    fireEvent.click(screen.getByText('Amount', { selector: '.ant-segmented-item-label' }));
    await waitFor(() => expect(screen.getByTestId('echart').textContent).toBe('Prospecting=1882.5|Qualification=1867.5|Negotiation=1847.5|Closed won=1500'));

    const funnelRequest = sent.find((s) => s.url.endsWith('/analytics/funnel'))!;
    expect(funnelRequest.method).toBe('POST');
    expect(funnelRequest.body).toEqual({});
    const movementRequest = sent.find((s) => s.url.endsWith('/analytics/pipeline-movement'))!;
    expect(movementRequest.body).toEqual({ period: 'this_month' });

    const won = await screen.findByTestId('movement-won');
    expect(won.textContent).toContain('Won');
    expect(won.textContent).toContain('2');
    expect(screen.getByTestId('movement-slipped').textContent).toContain('201');
    expect(screen.getByTestId('pipeline-period-range').textContent).toMatch(/2025.*2025/);

    // Drill into the won deals: their records, each linking to its page.
    fireEvent.click(within(won).getByRole('button'));
    const records = await screen.findByTestId('movement-records-won');
    expect(within(records).getByText('云帆 ERP').closest('a')?.getAttribute('href')).toBe('/o/opportunity/W1');
    expect(records.textContent).toContain('Closed won');
    const query = sent.find((s) => s.url.endsWith('/records/opportunity/query'))!;
    expect(query.body).toMatchObject({ filter: { field: 'id', op: 'in', value: ['W1', 'W2'] }, limit: 2 });
  });

  it('shows a category cut at 200 records as such', async () => {
    stubApi(answer);
    renderWith(<PipelinePage />, { path: '/analytics/pipeline', lang: 'zh-CN' });
    const slipped = await screen.findByTestId('movement-slipped');
    expect(slipped.textContent).toContain('延期');
    fireEvent.click(within(slipped).getByRole('button'));
    expect((await screen.findByTestId('movement-records-slipped')).textContent).toContain('仅显示前 200 条。');
  });
});
