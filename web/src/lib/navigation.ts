import type { ObjectMeta } from '../api/types';

/** Standard CRM objects in the order a salesperson works through them. */
const BUSINESS_ORDER = ['account', 'contact', 'lead', 'opportunity', 'activity'];
/** Link records edited from their parent's page (a team's members, a pool's members). */
const HIDDEN = new Set(['team_member', 'pool_member']);
/** The lead-to-cash package's objects, in the order a deal goes through them. */
const L2C_ORDER = ['product', 'price_book', 'quote', 'contract', 'order', 'invoice', 'payment_plan', 'payment', 'exchange_rate'];
/** Lines and book entries are edited on their parent's page (the line-item editor). */
const L2C_HIDDEN = new Set(['quote_line', 'order_line', 'opportunity_line', 'price_book_entry']);
const L2C_PACKAGE = 'l2c';
/** The marketing package's objects, from the campaign to its sends, then plans and templates. */
const MARKETING_ORDER = [
  'campaign',
  'segment',
  'email_campaign',
  'sms_campaign',
  'web_form',
  'care_plan',
  'marketing_plan',
  'marketing_expense',
  'email_template',
  'sms_template',
];
/** Members, attribution rows and budget lines are read and edited on their parent's page. */
const MARKETING_HIDDEN = new Set(['campaign_member', 'campaign_influence', 'segment_member', 'marketing_budget_line']);
const MARKETING_PACKAGE = 'marketing';
/** Sales targets have a screen of their own (/targets): a grid, not a list of records. */
const TARGETS_OBJECT = 'sales_target';
/** The platform's own organisation package: users, departments, roles, teams, pools. */
const ORGANISATION_PACKAGE = 'core';

export interface NavGroups {
  /** Sales objects first, then custom objects in the order the server lists them. */
  business: ObjectMeta[];
  /** Users, departments, roles, teams and pools: reference data, not daily work. */
  organisation: ObjectMeta[];
  /** Lead-to-cash (交易): products to payments, when the l2c package is installed. */
  l2c: ObjectMeta[];
  /** Marketing (市场营销): campaigns to greetings, when the marketing package is installed. */
  marketing: ObjectMeta[];
  /** Whether the person may read sales targets (the Targets screen's link). */
  targets: boolean;
}

/**
 * Split the objects a user may see into daily work and organisation.
 *
 * Why: the navigation and the home page are where people spend their day; users, roles and
 * link objects listed between accounts and leads bury the CRM under its own plumbing.
 */
export function groupObjects(objects: ObjectMeta[]): NavGroups {
  const business: ObjectMeta[] = [];
  const organisation: ObjectMeta[] = [];
  const l2c: ObjectMeta[] = [];
  const marketing: ObjectMeta[] = [];
  let targets = false;
  for (const o of objects) {
    if (HIDDEN.has(o.name)) continue;
    if (o.name === TARGETS_OBJECT) {
      targets = true;
      continue;
    }
    if (o.package === MARKETING_PACKAGE) {
      if (!MARKETING_HIDDEN.has(o.name)) marketing.push(o);
      continue;
    }
    if (o.package === L2C_PACKAGE) {
      if (!L2C_HIDDEN.has(o.name)) l2c.push(o);
      continue;
    }
    (o.package === ORGANISATION_PACKAGE ? organisation : business).push(o);
  }
  const l2cRank = (o: ObjectMeta) => {
    const i = L2C_ORDER.indexOf(o.name);
    return i === -1 ? L2C_ORDER.length : i;
  };
  l2c.sort((a, b) => l2cRank(a) - l2cRank(b));
  const marketingRank = (o: ObjectMeta) => {
    const i = MARKETING_ORDER.indexOf(o.name);
    return i === -1 ? MARKETING_ORDER.length : i;
  };
  marketing.sort((a, b) => marketingRank(a) - marketingRank(b));
  const rank = (o: ObjectMeta) => {
    const i = BUSINESS_ORDER.indexOf(o.name);
    return i === -1 ? BUSINESS_ORDER.length : i;
  };
  business.sort((a, b) => rank(a) - rank(b));
  return { business, organisation, l2c, marketing, targets };
}
