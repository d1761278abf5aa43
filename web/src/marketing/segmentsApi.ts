/**
 * The segment builder's calls: live counts of saved and unsaved conditions, a segment's first
 * members, and adding people to a static list or taking them off it (list actions of contact
 * and lead).
 */
import { qs, request } from '../api/client';
import { api } from '../api/endpoints';
import type { components, paths } from '../api/schema.gen';
import type { RecordData } from '../api/types';
import type { TreeNode } from './segmentTree';

/** Compiles only while the server declares these routes (schema.gen.ts, `make api-types`). */
export type DeclaredRoutes = [
  paths['/api/v1/segments/count']['post'],
  paths['/api/v1/segments/{segment_id}/count']['get'],
  paths['/api/v1/segments/{segment_id}/members']['get'],
  paths['/api/v1/records/contact/add_to_segment']['post'],
  paths['/api/v1/records/lead/remove_from_segment']['post'],
  paths['/api/v1/records/segment/{record_id}/add_to_campaign']['post'],
];

export type SegmentCount = components['schemas']['SegmentCount'];
export type MemberPage = components['schemas']['MemberPage'];
export type MembersAdded = components['schemas']['MembersAdded'];
export type MembersRemoved = components['schemas']['MembersRemoved'];
export type CampaignAdded = components['schemas']['CampaignAdded'];

const enc = encodeURIComponent;

/** The filter tree selecting a segment's people: a dynamic segment's conditions, or for a
 * static list "at least one of its members links to the person" (as the server's
 * keyi.packages.marketing.audience builds it). */
export function audienceFilter(segment: RecordData): TreeNode | null {
  const object = String(segment.object ?? 'contact');
  if (segment.type === 'static') {
    return { related: { object: 'segment_member', field: object, filter: { field: 'segment', op: 'eq', value: String(segment.id) } }, op: 'gte', value: 1 };
  }
  const raw = segment.filter;
  if (!raw) return null;
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw) as TreeNode;
    } catch {
      return null;
    }
  }
  return raw as TreeNode;
}

export const segmentsApi = {
  /** People of `object` the caller may read that match `filter` (not saved yet). */
  count(object: string, filter: TreeNode | null, signal?: AbortSignal) {
    return request<SegmentCount>('/api/v1/segments/count', { body: { object, filter }, signal });
  },
  members(segmentId: string, params: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal) {
    return request<MemberPage>(`/api/v1/segments/${enc(segmentId)}/members${qs(params)}`, { signal });
  },
  addMembers(object: string, segment: string, ids: string[]) {
    return request<MembersAdded>(`/api/v1/records/${enc(object)}/add_to_segment`, { body: { segment, ids } });
  },
  removeMembers(object: string, segment: string, ids: string[]) {
    return request<MembersRemoved>(`/api/v1/records/${enc(object)}/remove_from_segment`, { body: { segment, ids } });
  },
  /** A private saved view of the segment's object showing its people (updated if it exists):
   * the list page, its export and its mass actions then work on the segment. */
  async listView(segment: RecordData): Promise<string> {
    const object = String(segment.object ?? 'contact');
    const name = String(segment.name ?? segment.id);
    const filter = audienceFilter(segment) as never;
    const { views } = await api.views(object);
    const mine = views.find((v) => v.name === name && !v.shared);
    const view = mine ? await api.updateView(mine.id, { filter }) : await api.createView({ object, name, filter, shared: false });
    return view.id;
  },
  addToCampaign(segmentId: string, campaign: string, status: string) {
    return request<CampaignAdded>(`/api/v1/records/segment/${enc(segmentId)}/add_to_campaign`, { body: { campaign, status } });
  },
  saveFilter(segment: RecordData, filter: TreeNode | null) {
    return api.update('segment', String(segment.id), segment.version as number, { filter });
  },
};
