/** Answers of the sales analytics endpoints, for the pipeline page's tests. */
import type { FunnelResult, MovementResult } from '../api/analytics';

export const FUNNEL: FunnelResult = {
  object: 'opportunity',
  stage_field: 'stage',
  stages: [
    { stage: 'prospecting', label: 'Prospecting', count: 8, amount: 1882.5, conversion_rate: 75 },
    { stage: 'qualification', label: 'Qualification', count: 6, amount: 1867.5, conversion_rate: 83.33 },
    { stage: 'negotiation', label: 'Negotiation', count: 5, amount: 1847.5, conversion_rate: 40 },
    { stage: 'won', label: 'Closed won', count: 2, amount: 1500, conversion_rate: null, won: true },
  ],
  won: { count: 2, amount: 1500 },
  lost: { count: 3, amount: 312 },
  total: { count: 8, amount: 1882.5 },
  win_rate: 25,
};

export const MOVEMENT: MovementResult = {
  object: 'opportunity',
  period: { from: '2025-03-01', to: '2025-03-31' },
  entered: { count: 1, amount: 1, ids: ['E1'], truncated: false },
  advanced: { count: 0, amount: 0, ids: [], truncated: false },
  slipped: { count: 201, amount: 50, ids: Array.from({ length: 200 }, (_, i) => `S${i}`), truncated: true },
  won: { count: 2, amount: 300, ids: ['W1', 'W2'], truncated: false },
  lost: { count: 1, amount: 300, ids: ['L1'], truncated: false },
};
