/** Recently viewed records, kept in localStorage per tenant. */
export interface RecentItem {
  object: string;
  id: string;
  title: string;
  at: number;
}
const MAX = 12;
const key = (tenant: string) => `keyi.recent.${tenant}`;

export function loadRecent(tenant: string): RecentItem[] {
  try {
    const raw = localStorage.getItem(key(tenant));
    const list = raw ? (JSON.parse(raw) as RecentItem[]) : [];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export function pushRecent(tenant: string, item: Omit<RecentItem, 'at'>): void {
  try {
    const list = loadRecent(tenant).filter((r) => !(r.object === item.object && r.id === item.id));
    list.unshift({ ...item, at: Date.now() });
    localStorage.setItem(key(tenant), JSON.stringify(list.slice(0, MAX)));
  } catch {
    /* ignore */
  }
}

export function removeRecent(tenant: string, object: string, id: string): void {
  try {
    const list = loadRecent(tenant).filter((r) => !(r.object === object && r.id === id));
    localStorage.setItem(key(tenant), JSON.stringify(list));
  } catch {
    /* ignore */
  }
}
