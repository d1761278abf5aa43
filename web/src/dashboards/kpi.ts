/**
 * A KPI card's arithmetic: how far the value is towards its target, and which way it moved
 * since the previous period. Values may arrive as JSON numbers or exact decimal strings.
 */
import { toNumber } from '../lib/format';
import type { KpiResult } from './api';

export type Trend = 'up' | 'down' | 'flat';

/** Percent of the target reached (may exceed 100), or null without a positive target. */
export function targetPercent(value: unknown, target: unknown): number | null {
  const v = toNumber(value);
  const goal = toNumber(target);
  if (v === null || goal === null || goal <= 0) return null;
  return Math.round((v / goal) * 1000) / 10;
}

/** The direction since the previous period: the server's trend, else computed from both values. */
export function trendOf(result: Pick<KpiResult, 'value' | 'previous' | 'trend_percent'>): { trend: Trend; percent: number | null } | null {
  const pct = toNumber(result.trend_percent);
  if (pct !== null) return { trend: pct > 0 ? 'up' : pct < 0 ? 'down' : 'flat', percent: pct };
  const value = toNumber(result.value);
  const previous = toNumber(result.previous);
  if (value === null || previous === null) return null;
  // No percent from a previous zero: "up from nothing" has no ratio.
  return { trend: value > previous ? 'up' : value < previous ? 'down' : 'flat', percent: null };
}

/** True for an answer shaped like a KPI's (not a report result). */
export function isKpiResult(result: unknown): result is KpiResult {
  return !!result && typeof result === 'object' && 'value' in result && !('columns' in result && 'totals' in result);
}
