import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../api/types';
import { groupObjects } from './navigation';

const meta = (name: string, pkg: string | null): ObjectMeta => ({
  name,
  labels: { en: name },
  name_field: 'name',
  package: pkg,
  fields: [],
});

describe('groupObjects', () => {
  it('puts sales objects first in working order, then custom ones, and organisation apart', () => {
    const objects = [
      meta('user', 'core'),
      meta('department', 'core'),
      meta('team_member', 'core'),
      meta('pool_member', 'core'),
      meta('activity', 'sales'),
      meta('warranty', null),
      meta('opportunity', 'sales'),
      meta('account', 'sales'),
      meta('contact', 'sales'),
      meta('lead', 'sales'),
      meta('pool', 'core'),
    ];
    const { business, organisation } = groupObjects(objects);
    expect(business.map((o) => o.name)).toEqual([
      'account',
      'contact',
      'lead',
      'opportunity',
      'activity',
      'warranty',
    ]);
    expect(organisation.map((o) => o.name)).toEqual(['user', 'department', 'pool']);
  });

  it('keeps the server order of custom objects', () => {
    const { business } = groupObjects([meta('b_thing', null), meta('a_thing', null)]);
    expect(business.map((o) => o.name)).toEqual(['b_thing', 'a_thing']);
  });

  it('groups the lead-to-cash objects in deal order, without lines and book entries', () => {
    const names = ['payment', 'quote_line', 'contract', 'product', 'price_book_entry', 'quote', 'order', 'invoice', 'price_book', 'payment_plan', 'order_line', 'opportunity_line'];
    const { business, l2c } = groupObjects([meta('account', 'sales'), ...names.map((n) => meta(n, 'l2c'))]);
    expect(l2c.map((o) => o.name)).toEqual(['product', 'price_book', 'quote', 'contract', 'order', 'invoice', 'payment_plan', 'payment']);
    expect(business.map((o) => o.name)).toEqual(['account']);
  });

  it('links sales targets to their screen instead of listing them with the objects', () => {
    const grouped = groupObjects([meta('account', 'sales'), meta('sales_target', 'sales')]);
    expect(grouped.business.map((o) => o.name)).toEqual(['account']);
    expect(grouped.targets).toBe(true);
    expect(groupObjects([meta('account', 'sales')]).targets).toBe(false);
  });
});

describe('groupObjects: marketing', () => {
  it('groups the marketing objects from campaigns to greetings, hiding what their parents edit', () => {
    const objects = [
      meta('sms_template', 'marketing'),
      meta('campaign_member', 'marketing'),
      meta('care_plan', 'marketing'),
      meta('segment', 'marketing'),
      meta('campaign_influence', 'marketing'),
      meta('campaign', 'marketing'),
      meta('marketing_budget_line', 'marketing'),
      meta('account', 'sales'),
    ];
    const { business, marketing } = groupObjects(objects);
    expect(marketing.map((o) => o.name)).toEqual(['campaign', 'segment', 'care_plan', 'sms_template']);
    expect(business.map((o) => o.name)).toEqual(['account']);
  });
});
