/**
 * English strings of the segment builder (the conditions and members of a segment's record
 * page), registered by i18n/marketing-segments.ts when it loads (not with the app); every key
 * must exist in marketing-segments-zh-CN.ts.
 */
const marketingSegmentsEn = {
  'segment.tabStatic': 'Members',
  'segment.conditions': 'Conditions',
  'segment.match.and': 'All of these',
  'segment.match.or': 'Any of these',
  'segment.addCondition': 'Add condition',
  'segment.addGroup': 'Add group',
  'segment.addCount': 'Add count of related records',
  'segment.removeItem': 'Remove',
  'segment.empty': 'No conditions: everyone the reader can see.',
  'segment.raw': 'A condition this screen cannot edit (kept as it is)',
  'segment.count': '{count} people',
  'segment.counting': 'Counting…',
  'segment.countLabel': 'Matching now',
  'segment.save': 'Save conditions',
  'segment.saved': 'Conditions saved.',
  'segment.preview': 'First members',
  'segment.previewSaved': 'As saved: save the conditions to see their members.',
  'segment.noMembers': 'Nobody yet.',
  'segment.related.has': 'has',
  'segment.related.records': 'records',
  'segment.related.where': 'where',
  'segment.related.pick': 'Related records',
  'segment.op.gte': 'at least',
  'segment.op.gt': 'more than',
  'segment.op.lte': 'at most',
  'segment.op.lt': 'fewer than',
  'segment.op.eq': 'exactly',
  'segment.op.ne': 'other than',
  'segment.through': '{lookup} › {field}',
  'segment.col.name': 'Name',
  'segment.col.title': 'Title',
  'segment.col.email': 'Email',
  'segment.col.mobile': 'Mobile',
  'segment.col.account': 'Account',
  'segment.col.company': 'Company',
  'segment.add': 'Add to list',
  'segment.addPick': 'Choose people to add',
  'segment.added': '{added} added, {skipped} already on the list.',
  'segment.remove': 'Remove from list',
  'segment.removed': 'Removed from the list.',
  'segment.openList': 'Open as list',
  'segment.more': 'Load more',
} as const;

export type MarketingSegmentsKey = keyof typeof marketingSegmentsEn;
export default marketingSegmentsEn;
