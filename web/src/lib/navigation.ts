import type { ObjectMeta } from '../api/types';

/** Standard CRM objects in the order a salesperson works through them. */
const BUSINESS_ORDER = ['account', 'contact', 'lead', 'opportunity', 'activity'];
/** Link records edited from their parent's page (a team's members, a pool's members). */
const HIDDEN = new Set(['team_member', 'pool_member']);
/** The platform's own organisation package: users, departments, roles, teams, pools. */
const ORGANISATION_PACKAGE = 'core';

export interface NavGroups {
  /** Sales objects first, then custom objects in the order the server lists them. */
  business: ObjectMeta[];
  /** Users, departments, roles, teams and pools: reference data, not daily work. */
  organisation: ObjectMeta[];
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
  for (const o of objects) {
    if (HIDDEN.has(o.name)) continue;
    (o.package === ORGANISATION_PACKAGE ? organisation : business).push(o);
  }
  const rank = (o: ObjectMeta) => {
    const i = BUSINESS_ORDER.indexOf(o.name);
    return i === -1 ? BUSINESS_ORDER.length : i;
  };
  business.sort((a, b) => rank(a) - rank(b));
  return { business, organisation };
}
