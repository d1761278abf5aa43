import { describe, expect, it } from 'vitest';
import { formatCountdown, liveState, remaining, SLA_COLORS } from './sla';

const NOW = Date.parse('2026-12-07T04:00:00Z');

describe('SLA countdowns', () => {
  it('counts down to the due time and past it', () => {
    expect(remaining('2026-12-07T06:05:00Z', NOW)).toBe((2 * 60 + 5) * 60_000);
    expect(remaining(null, NOW)).toBeNull();
    expect(formatCountdown((2 * 60 + 5) * 60_000)).toBe('2h 05m');
    expect(formatCountdown(12 * 60_000 + 59_000)).toBe('12m');
    expect(formatCountdown((3 * 24 + 4) * 3_600_000 + 60_000)).toBe('3d 4h');
    expect(formatCountdown(-(70 * 60_000))).toBe('-1h 10m');
  });
  it('colours by state, a passed deadline breached at once, a paused clock grey', () => {
    expect(liveState({ sla_status: 'on_track', next_due: '2026-12-07T05:00:00Z' }, NOW)).toBe('on_track');
    expect(liveState({ sla_status: 'warning', next_due: '2026-12-07T03:59:00Z' }, NOW)).toBe('breached');
    expect(liveState({ sla_status: 'paused', next_due: '2026-12-07T03:00:00Z' }, NOW)).toBe('paused');
    expect(liveState({ sla_status: null, next_due: null }, NOW)).toBeNull();
    expect([SLA_COLORS.on_track, SLA_COLORS.warning, SLA_COLORS.breached, SLA_COLORS.paused]).toEqual(['green', 'orange', 'red', 'default']);
  });
});
