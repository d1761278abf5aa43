import { request } from '../../api/client';
import { api } from '../../api/endpoints';

/** A work order as the technician's day list reads it (the generic record API's shape). */
export interface WorkOrder {
  id: string;
  version: number;
  work_order_no: string | null;
  subject: string | null;
  status: 'scheduled' | 'en_route' | 'in_progress' | 'completed' | 'cancelled';
  address: string | null;
  contact: string | null;
  scheduled_start: string;
  scheduled_end: string;
  en_route_at?: string | null;
  check_in_at: string | null;
  check_out_at: string | null;
  signed_at: string | null;
  signed_by_name: string | null;
  _display?: Record<string, string>;
}

export interface ContactPhone {
  id: string;
  name: string | null;
  mobile: string | null;
  phone: string | null;
}

export interface Location {
  lat: number;
  lng: number;
}

const FIELDS = [
  'work_order_no', 'subject', 'status', 'address', 'contact', 'scheduled_start', 'scheduled_end',
  'en_route_at', 'check_in_at', 'check_out_at', 'signed_at', 'signed_by_name',
];

const step = <T,>(id: string, name: string, body: object) =>
  request<T>(`/api/v1/records/work_order/${encodeURIComponent(id)}/${name}`, { method: 'POST', body });

/** The field-service calls: the generic record API plus the work order's actions. */
export const fieldApi = {
  /** Today's work orders of `technician` (the tenant's today), earliest first. */
  async myDay(technician: string, signal?: AbortSignal): Promise<WorkOrder[]> {
    const page = await api.query(
      'work_order',
      {
        filter: {
          and: [
            { field: 'technician', op: 'eq', value: technician },
            { field: 'scheduled_start', op: 'eq', value: 'today' },
            { field: 'status', op: 'ne', value: 'cancelled' },
          ],
        },
        sort: [{ field: 'scheduled_start', direction: 'asc' }],
        fields: FIELDS,
        limit: 100,
      },
      signal,
    );
    return page.records as unknown as WorkOrder[];
  },
  /** The contacts' phone numbers (for tap-to-call), in one query. */
  async contacts(ids: string[], signal?: AbortSignal): Promise<ContactPhone[]> {
    if (!ids.length) return [];
    const page = await api.query(
      'contact',
      { filter: { field: 'id', op: 'in', value: ids }, fields: ['name', 'mobile', 'phone'], limit: 100 },
      signal,
    );
    return page.records as unknown as ContactPhone[];
  },
  async products(q: string): Promise<{ id: string; name: string }[]> {
    const page = await api.query('product', { q: q || null, fields: ['name'], limit: 20 });
    return page.records as unknown as { id: string; name: string }[];
  },
  /** Set off to the customer (optional step before check-in): the server stamps the time. */
  enRoute: (id: string) =>
    request<WorkOrder>(`/api/v1/records/work_order/${encodeURIComponent(id)}/en_route`, { method: 'POST' }),
  checkIn: (id: string, at: Location | null) => step<WorkOrder>(id, 'check_in', at ?? {}),
  checkOut: (id: string, at: Location | null, workSummary: string) =>
    step<WorkOrder>(id, 'check_out', { ...(at ?? {}), work_summary: workSummary }),
  signOff: (id: string, signedByName: string, signature: string) =>
    step<WorkOrder>(id, 'sign_off', { signed_by_name: signedByName, signature }),
  addPart: (workOrder: string, product: string, quantity: number, serialNo: string | null) =>
    api.create('work_order_part', { work_order: workOrder, product, quantity, serial_no: serialNo }),
};
