import { describe, expect, it } from 'vitest';
import type { WebhookSubscription } from './api';
import { canReplay, eventsFromPicks, lastOutcome, picksFromEvents, webhookErrorTarget, webhookPayload, webhookState, webhookToForm } from './webhooks';

const STORED: WebhookSubscription = {
  id: 'w1',
  url: 'https://erp.example.cn/hooks/keyi',
  events: ['opportunity.*', 'account.created', 'account.deleted', 'warranty.updated'],
  description: 'ERP',
  active: true,
  consecutive_failures: 0,
  disabled_at: null,
  disabled_reason: null,
  created_by: null,
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
  previous_secret_until: null,
};

describe('webhook event picker', () => {
  it('reads event names into one row per object, <object>.* as every verb', () => {
    expect(picksFromEvents(STORED.events)).toEqual([
      { object: 'opportunity', verbs: ['created', 'updated', 'deleted'] },
      { object: 'account', verbs: ['created', 'deleted'] },
      { object: 'warranty', verbs: ['updated'] },
    ]);
    expect(picksFromEvents(['account.archived', 'nodot', '.created'])).toEqual([]);
  });

  it('writes every verb of an object as <object>.*, single verbs by name, in the picker order', () => {
    expect(
      eventsFromPicks([
        { object: 'opportunity', verbs: ['deleted', 'created', 'updated'] },
        { object: 'account', verbs: ['deleted', 'created'] },
        { object: 'contact', verbs: [] },
        { object: '', verbs: ['created'] },
        { object: 'account', verbs: ['updated'] },
      ]),
    ).toEqual(['opportunity.*', 'account.created', 'account.deleted']);
  });

  it('round-trips a subscription through the form', () => {
    const form = webhookToForm(STORED);
    expect(webhookPayload(form)).toEqual({ url: STORED.url, events: STORED.events, description: 'ERP' });
    expect(webhookPayload({ url: '  https://x.cn/h ', description: '  ', picks: [{ object: 'lead', verbs: ['created'] }] })).toEqual({
      url: 'https://x.cn/h',
      events: ['lead.created'],
      description: null,
    });
    expect(webhookToForm(null)).toEqual({ url: '', description: '', picks: [] });
  });

  it('shows API errors on their inputs: events.N on the picker', () => {
    expect(webhookErrorTarget('url')).toBe('url');
    expect(webhookErrorTarget('events.2')).toBe('picks');
    expect(webhookErrorTarget('events')).toBe('picks');
    expect(webhookErrorTarget('description')).toBe('description');
    expect(webhookErrorTarget('secret')).toBeNull();
    expect(webhookErrorTarget(null)).toBeNull();
  });
});

describe('webhook state and deliveries', () => {
  it('tells healthy, failing, disabled for failing and switched off apart', () => {
    expect(webhookState(STORED)).toBe('active');
    expect(webhookState({ ...STORED, consecutive_failures: 3 })).toBe('failing');
    expect(webhookState({ ...STORED, active: false, disabled_reason: 'delivery_dead' })).toBe('disabled');
    expect(webhookState({ ...STORED, active: false })).toBe('off');
  });

  it('replays finished deliveries only and sums up the last attempt', () => {
    expect(canReplay({ status: 'pending' })).toBe(false);
    expect(canReplay({ status: 'dead' })).toBe(true);
    expect(canReplay({ status: 'delivered' })).toBe(true);
    expect(lastOutcome({ last_status_code: 500, last_error: 'HTTP 500' })).toBe('HTTP 500');
    expect(lastOutcome({ last_status_code: 204, last_error: null })).toBe('204');
    expect(lastOutcome({ last_status_code: null, last_error: null })).toBe('');
  });
});
