/**
 * A segment's conditions and members, on its record page (marketing package).
 *
 * Dynamic segment: the condition tree editor — groups (all / any), conditions on the audience's
 * fields and on its lookups' fields (`account.industry`, with the list filter's operators and
 * value inputs), and counts of related records ("at least 3 activities where …") — with a live
 * count of the conditions being edited (debounced, `POST /segments/count`), save, and the first
 * members as saved. Static segment: its member list, with people added and removed.
 */
import { DeleteOutlined, PlusOutlined, TeamOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { App, Alert, Button, Empty, InputNumber, Modal, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { FieldMeta, ObjectMeta, RecordData } from '../api/types';
import { api } from '../api/endpoints';
import { errorMessage } from '../components/Status';
import { FilterBuilder, filterableFields, ValueInput } from '../components/FilterBuilder';
import { LookupSelect, type LookupValue } from '../fields/LookupSelect';
import { useI18n } from '../i18n';
import '../i18n/marketing-segments';
import { isSystemField, resolvePath } from '../lib/fields';
import { newCondition, operatorsFor, valueKind, type UiOp } from '../lib/filter';
import { useMetadata } from '../state/metadata';
import { audienceFilter, segmentsApi } from './segmentsApi';
import {
  COUNT_OPS,
  groupToTree,
  newGroupItem,
  newRelatedItem,
  treeToGroup,
  updateItem,
  type CountOp,
  type Group,
  type Item,
  type Resolve,
  type TreeNode,
} from './segmentTree';

const COUNT_DELAY_MS = 400;
const PREVIEW = 10;
const COLUMNS: Record<string, string[]> = {
  contact: ['name', 'title', 'email', 'mobile', 'account'],
  lead: ['name', 'title', 'email', 'mobile', 'company'],
};

/** The group with the ids of its lookup conditions (as read from a saved tree, labelled with
 * the id) labelled with the records' names; null when there is nothing to name. */
export async function nameReferences(
  group: Group,
  resolve: Resolve,
  getObject: (name: string) => ObjectMeta | undefined,
  signal?: AbortSignal,
): Promise<Group | null> {
  const wanted = new Map<string, Set<string>>(); // target object → ids
  const visit = (g: Group) => {
    for (const item of g.items) {
      if (item.kind === 'group') visit(item.group);
      if (item.kind !== 'condition' || !Array.isArray(item.cond.value)) continue;
      const target = resolve(item.cond.field)?.target;
      if (!target) continue;
      for (const v of item.cond.value as LookupValue[]) if (v && v.label === v.value) (wanted.get(target) ?? wanted.set(target, new Set()).get(target)!).add(v.value);
    }
  };
  visit(group);
  if (wanted.size === 0) return null;
  const names = new Map<string, string>();
  for (const [target, ids] of wanted) {
    const nameField = getObject(target)?.name_field ?? 'name';
    try {
      const page = await api.query(target, { filter: { field: 'id', op: 'in', value: [...ids] }, fields: [nameField], limit: 500 }, signal);
      for (const r of page.records) names.set(String(r.id), String(r[nameField] ?? r.id));
    } catch {
      /* the ids stay as they are */
    }
  }
  const relabel = (g: Group): Group => ({
    ...g,
    items: g.items.map((item) => {
      if (item.kind === 'group') return { ...item, group: relabel(item.group) };
      if (item.kind !== 'condition' || !Array.isArray(item.cond.value)) return item;
      const value = (item.cond.value as LookupValue[]).map((v) => (v && names.has(v.value) ? { value: v.value, label: names.get(v.value)! } : v));
      return { ...item, cond: { ...item.cond, value } };
    }),
  });
  return relabel(group);
}

/** "Add to campaign": everyone in the segment the user may see joins a campaign, once. */
function AddToCampaign({ record }: { record: RecordData }) {
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const { getObject } = useMetadata();
  const [open, setOpen] = useState(false);
  const [campaign, setCampaign] = useState<LookupValue | null>(null);
  const statuses = getObject('campaign_member')?.fields.find((f) => f.name === 'status')?.options ?? [];
  const [status, setStatus] = useState<string>('invited');
  const [busy, setBusy] = useState(false);
  if (!getObject('campaign')) return null;
  const run = async () => {
    if (!campaign) return;
    setBusy(true);
    try {
      const done = await segmentsApi.addToCampaign(String(record.id), campaign.value, status);
      message.success(t('segment.campaignAdded', { added: done.added, skipped: done.skipped }));
      setOpen(false);
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button icon={<TeamOutlined />} onClick={() => setOpen(true)} data-testid="segment-add-campaign">
        {t('segment.addToCampaign')}
      </Button>
      <Modal
        open={open}
        title={t('segment.addToCampaign')}
        okText={t('segment.addToCampaign')}
        okButtonProps={{ disabled: !campaign, loading: busy }}
        onOk={() => void run()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Space direction="vertical" className="ky-fullwidth">
          <Typography.Text type="secondary">{t('segment.campaignHelp')}</Typography.Text>
          <LookupSelect target="campaign" value={campaign} onChange={setCampaign} placeholder={t('segment.campaignPick')} className="ky-fullwidth" />
          {statuses.length > 0 && (
            <Select
              className="ky-fullwidth"
              value={status}
              onChange={setStatus}
              aria-label={t('segment.campaignStatus')}
              options={statuses.map((o) => ({ value: o.value, label: label(o.labels, o.value) }))}
            />
          )}
        </Space>
      </Modal>
    </>
  );
}

/** "Open as list": the segment's people in the object's list, through a private saved view. */
function OpenAsList({ record }: { record: RecordData }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const open = async () => {
    setBusy(true);
    try {
      const view = await segmentsApi.listView(record);
      navigate(`/o/${encodeURIComponent(String(record.object))}?view=${encodeURIComponent(view)}`);
    } catch (e) {
      message.error(errorMessage(e, t));
      setBusy(false);
    }
  };
  return (
    <Button icon={<UnorderedListOutlined />} loading={busy} onClick={() => void open()} data-testid="segment-open-list">
      {t('segment.openList')}
    </Button>
  );
}

/** The audience's own fields, then one step through each of its lookups (account › industry). */
export function pathOptions(audience: ObjectMeta, getObject: (name: string) => ObjectMeta | undefined, labelOf: (f: FieldMeta) => string): { value: string; label: string }[] {
  const own = filterableFields(audience).map((f) => ({ value: f.name, label: labelOf(f) }));
  const through: { value: string; label: string }[] = [];
  for (const lookup of audience.fields) {
    if (isSystemField(lookup) || (lookup.type !== 'lookup' && lookup.type !== 'master_detail') || !lookup.target) continue;
    const target = getObject(lookup.target);
    if (!target) continue;
    for (const f of target.fields) {
      if (isSystemField(f)) continue;
      through.push({ value: `${lookup.name}.${f.name}`, label: `${labelOf(lookup)} › ${labelOf(f)}` });
    }
  }
  return [...own, ...through];
}

interface Props {
  record: RecordData;
  onSaved: (record: RecordData) => void;
}

export default function SegmentPanel({ record, onSaved }: Props) {
  return record.type === 'static' ? <StaticMembers record={record} /> : <SegmentBuilder record={record} onSaved={onSaved} />;
}

// ------------------------------------------------------------------ dynamic: the builder
export function SegmentBuilder({ record, onSaved }: Props) {
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const { objects, getObject, relationsOf } = useMetadata();
  const objectName = String(record.object ?? 'contact');
  const audience = getObject(objectName);
  const resolve: Resolve = useCallback((path) => (audience ? resolvePath(objects, audience, path) : undefined), [objects, audience]);
  const relatedResolve = useCallback(
    (name: string): Resolve =>
      (path) => {
        const meta = getObject(name);
        return meta ? resolvePath(objects, meta, path) : undefined;
      },
    [objects, getObject],
  );
  const [group, setGroup] = useState<Group>(() => treeToGroup(audienceFilter({ ...record, type: 'dynamic' }), resolve, relatedResolve));
  // A saved condition on a lookup holds ids: show the records' names instead (once).
  useEffect(() => {
    const controller = new AbortController();
    const loaded = group;
    void nameReferences(loaded, resolve, getObject, controller.signal).then((named) => {
      if (named) setGroup((current) => (current === loaded ? named : current)); // not once edited
    });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the group as loaded
  }, []);
  const tree = useMemo(() => groupToTree(group, resolve, relatedResolve), [group, resolve, relatedResolve]);
  const treeKey = JSON.stringify(tree);
  const [count, setCount] = useState<number | null>(null);
  const [countError, setCountError] = useState<string | null>(null);
  const [counting, setCounting] = useState(false);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    setCounting(true);
    const timer = window.setTimeout(() => {
      segmentsApi
        .count(objectName, JSON.parse(treeKey) as TreeNode | null, controller.signal)
        .then((answer) => {
          setCount(answer.count);
          setCountError(null);
        })
        .catch((e: unknown) => {
          if (!controller.signal.aborted) setCountError(errorMessage(e, t));
        })
        .finally(() => {
          if (!controller.signal.aborted) setCounting(false);
        });
    }, COUNT_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [objectName, treeKey, t]);

  const save = async () => {
    setSaving(true);
    try {
      const saved = await segmentsApi.saveFilter(record, tree);
      message.success(t('segment.saved'));
      onSaved(saved);
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  if (!audience) return null;
  const paths = pathOptions(audience, getObject, (f) => label(f.labels, f.name));
  const relations = relationsOf(audience.name).filter((rel) => rel.object.name !== 'segment_member');

  return (
    <div className="ky-section" data-testid="segment-builder">
      <Space align="start" className="ky-fullwidth" style={{ justifyContent: 'space-between' }}>
        <Typography.Title level={5}>{t('segment.conditions')}</Typography.Title>
        <Space size="large" align="center">
          <Statistic
            title={t('segment.countLabel')}
            value={count === null ? '—' : t('segment.count', { count })}
            loading={counting && count === null}
            data-testid="segment-count"
          />
          <OpenAsList record={record} />
          <AddToCampaign record={record} />
          <Button type="primary" loading={saving} onClick={save} data-testid="segment-save">
            {t('segment.save')}
          </Button>
        </Space>
      </Space>
      {countError && <Alert type="error" showIcon message={countError} data-testid="segment-count-error" style={{ marginBottom: 12 }} />}
      <GroupEditor
        group={group}
        depth={0}
        paths={paths}
        resolve={resolve}
        relations={relations.map((rel) => ({
          value: `${rel.object.name}.${rel.field.name}`,
          label: `${label(rel.object.plural_labels ?? rel.object.labels, rel.object.name)} · ${label(rel.field.labels, rel.field.name)}`,
        }))}
        onChange={setGroup}
        onItem={(id, fn) => setGroup((g) => updateItem(g, id, fn))}
      />
      <MembersPreview record={record} />
    </div>
  );
}

interface EditorProps {
  group: Group;
  depth: number;
  paths: { value: string; label: string }[];
  relations: { value: string; label: string }[];
  resolve: Resolve;
  onChange: (g: Group) => void;
  onItem: (id: string, fn: (item: Item) => Item | null) => void;
}

function GroupEditor({ group, depth, paths, relations, resolve, onChange, onItem }: EditorProps) {
  const { t } = useI18n();
  const addCondition = () => {
    const first = resolve(paths[0]?.value ?? 'name');
    if (first) onChange({ ...group, items: [...group.items, { kind: 'condition', id: `${Date.now()}${group.items.length}`, cond: { ...newCondition(first), field: paths[0].value } }] });
  };
  const addCount = () => {
    const [object, field] = (relations[0]?.value ?? '').split('.');
    if (object && field) onChange({ ...group, items: [...group.items, newRelatedItem(object, field)] });
  };
  return (
    <div className={depth ? 'ky-segment-group ky-segment-nested' : 'ky-segment-group'} data-testid={`segment-group-${depth}`}>
      <Select
        size="small"
        value={group.match}
        onChange={(match) => onChange({ ...group, match })}
        options={[
          { value: 'and', label: t('segment.match.and') },
          { value: 'or', label: t('segment.match.or') },
        ]}
        aria-label={t('filter.match')}
        popupMatchSelectWidth={false}
      />
      {group.items.length === 0 && depth === 0 && <div className="ky-filter-empty">{t('segment.empty')}</div>}
      {group.items.map((item) => (
        <div key={item.id} className="ky-segment-item">
          <ItemEditor item={item} depth={depth} paths={paths} relations={relations} resolve={resolve} onItem={onItem} />
          <Button type="text" icon={<DeleteOutlined />} onClick={() => onItem(item.id, () => null)} aria-label={t('segment.removeItem')} />
        </div>
      ))}
      <Space wrap>
        <Button size="small" icon={<PlusOutlined />} onClick={addCondition} data-testid="segment-add-condition">
          {t('segment.addCondition')}
        </Button>
        {depth < 3 && (
          <Button size="small" icon={<PlusOutlined />} onClick={() => onChange({ ...group, items: [...group.items, newGroupItem()] })} data-testid="segment-add-group">
            {t('segment.addGroup')}
          </Button>
        )}
        {relations.length > 0 && (
          <Button size="small" icon={<PlusOutlined />} onClick={addCount} data-testid="segment-add-count">
            {t('segment.addCount')}
          </Button>
        )}
      </Space>
    </div>
  );
}

function ItemEditor({ item, depth, paths, relations, resolve, onItem }: Omit<EditorProps, 'group' | 'onChange'> & { item: Item }) {
  const { t } = useI18n();
  const { getObject } = useMetadata();
  if (item.kind === 'group') {
    return (
      <GroupEditor
        group={item.group}
        depth={depth + 1}
        paths={paths}
        relations={relations}
        resolve={resolve}
        onChange={(g) => onItem(item.id, () => ({ ...item, group: g }))}
        onItem={onItem}
      />
    );
  }
  if (item.kind === 'raw') {
    return (
      <Space direction="vertical" size={2} className="ky-fullwidth">
        <Tag>{t('segment.raw')}</Tag>
        <Typography.Text code className="ky-segment-raw">
          {JSON.stringify(item.node)}
        </Typography.Text>
      </Space>
    );
  }
  if (item.kind === 'related') {
    const related = getObject(item.object);
    return (
      <div className="ky-segment-related" data-testid="segment-related">
        <Space wrap>
          <span>{t('segment.related.has')}</span>
          <Select
            value={item.op}
            onChange={(op: CountOp) => onItem(item.id, (i) => ({ ...i, op }) as Item)}
            options={COUNT_OPS.map((op) => ({ value: op, label: t(`segment.op.${op}`) }))}
            popupMatchSelectWidth={false}
            aria-label={t('filter.operator')}
          />
          <InputNumber min={0} max={1000000} precision={0} value={item.value} onChange={(v) => onItem(item.id, (i) => ({ ...i, value: v ?? 0 }) as Item)} aria-label={t('segment.related.records')} />
          <Select
            value={`${item.object}.${item.field}`}
            options={relations}
            onChange={(v: string) => {
              const [object, field] = v.split('.');
              onItem(item.id, (i) => ({ ...i, object, field, filter: { match: 'and', conditions: [] } }) as Item);
            }}
            popupMatchSelectWidth={false}
            aria-label={t('segment.related.pick')}
          />
          <span>{t('segment.related.where')}</span>
        </Space>
        {related && <FilterBuilder object={related} value={item.filter} onChange={(filter) => onItem(item.id, (i) => ({ ...i, filter }) as Item)} />}
      </div>
    );
  }
  const cond = item.cond;
  const field = resolve(cond.field);
  return (
    <div className="ky-filter-row ky-segment-condition" data-testid="segment-condition">
      <span />
      <Select
        className="ky-filter-field"
        value={cond.field}
        showSearch
        optionFilterProp="label"
        aria-label={t('filter.field')}
        options={paths}
        onChange={(path: string) => {
          const f = resolve(path);
          if (f) onItem(item.id, () => ({ ...item, cond: { ...cond, field: path, op: operatorsFor(f)[0], value: undefined } }));
        }}
      />
      <Select
        className="ky-filter-op"
        value={cond.op}
        aria-label={t('filter.operator')}
        onChange={(op: UiOp) => {
          const keep = field && valueKind(field, op) === valueKind(field, cond.op);
          onItem(item.id, () => ({ ...item, cond: { ...cond, op, value: keep ? cond.value : undefined } }));
        }}
        options={(field ? operatorsFor(field) : []).map((op) => ({ value: op, label: t(`op.${op}`) }))}
        popupMatchSelectWidth={false}
      />
      <div className="ky-filter-value">{field && <ValueInput field={field} cond={cond} onChange={(value) => onItem(item.id, () => ({ ...item, cond: { ...cond, value } }))} />}</div>
    </div>
  );
}

// ------------------------------------------------------------------ members
function useMembers(segmentId: string, refreshKey: unknown) {
  const [rows, setRows] = useState<RecordData[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(
    async (after: string | null, signal?: AbortSignal) => {
      setLoading(true);
      try {
        const page = await segmentsApi.members(segmentId, { limit: PREVIEW, cursor: after }, signal);
        const records = page.records as RecordData[];
        setRows((prev) => (after ? [...prev, ...records] : records));
        setCursor(page.next_cursor ?? null);
        setError(null);
      } catch (e) {
        if (!signal?.aborted) setError(e);
      } finally {
        if (!signal?.aborted) setLoading(false);
      }
    },
    [segmentId],
  );
  useEffect(() => {
    const controller = new AbortController();
    void load(null, controller.signal);
    return () => controller.abort();
  }, [load, refreshKey]);
  return { rows, cursor, loading, error, more: () => load(cursor), reload: () => load(null) };
}

function memberColumns(object: string, t: ReturnType<typeof useI18n>['t'], extra?: (row: RecordData) => React.ReactNode) {
  const cols = (COLUMNS[object] ?? ['name']).map((name) => ({
    key: name,
    dataIndex: name,
    title: t(`segment.col.${name}` as 'segment.col.name'),
    render: (value: unknown, row: RecordData) => {
      if (name === 'name') return <Link to={`/o/${object}/${encodeURIComponent(String(row.id))}`}>{String(value ?? '')}</Link>;
      const display = (row._display as Record<string, string> | undefined)?.[name];
      return display ?? (value === null || value === undefined ? '' : String(value));
    },
  }));
  return extra ? [...cols, { key: '_actions', dataIndex: 'id', title: '', render: (_: unknown, row: RecordData) => extra(row) }] : cols;
}

function MembersPreview({ record }: { record: RecordData }) {
  const { t } = useI18n();
  const object = String(record.object ?? 'contact');
  const { rows, cursor, loading, error, more } = useMembers(String(record.id), record.version);
  return (
    <div className="ky-segment-preview" data-testid="segment-preview">
      <Typography.Title level={5}>{t('segment.preview')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('segment.previewSaved')}</Typography.Paragraph>
      {error ? <Alert type="error" showIcon message={errorMessage(error, t)} /> : null}
      <Table size="small" rowKey="id" pagination={false} loading={loading} dataSource={rows} columns={memberColumns(object, t)} locale={{ emptyText: <Empty description={t('segment.noMembers')} /> }} />
      {cursor && (
        <Button type="link" onClick={() => void more()}>
          {t('segment.more')}
        </Button>
      )}
    </div>
  );
}

// ------------------------------------------------------------------ static: the member list
export function StaticMembers({ record }: { record: RecordData }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const object = String(record.object ?? 'contact');
  const segmentId = String(record.id);
  const [tick, setTick] = useState(0);
  const { rows, cursor, loading, error, more } = useMembers(segmentId, tick);
  const [picked, setPicked] = useState<LookupValue[]>([]);
  const [count, setCount] = useState<number | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    segmentsApi
      .count(object, audienceFilter(record), controller.signal)
      .then((answer) => setCount(answer.count))
      .catch(() => undefined);
    return () => controller.abort();
  }, [object, record, tick]);

  const add = async () => {
    try {
      const done = await segmentsApi.addMembers(object, segmentId, picked.map((p) => p.value));
      message.success(t('segment.added', { added: done.added, skipped: done.skipped }));
      setPicked([]);
      setTick((n) => n + 1);
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };
  const remove = async (id: string) => {
    try {
      await segmentsApi.removeMembers(object, segmentId, [id]);
      message.success(t('segment.removed'));
      setTick((n) => n + 1);
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };

  return (
    <div className="ky-section" data-testid="segment-members">
      <Space align="start" className="ky-fullwidth" style={{ justifyContent: 'space-between' }}>
        <Typography.Title level={5}>{t('segment.tabStatic')}</Typography.Title>
        <Space size="large" align="center">
          <Statistic title={t('segment.countLabel')} value={count === null ? '—' : t('segment.count', { count })} data-testid="segment-count" />
          <OpenAsList record={record} />
          <AddToCampaign record={record} />
        </Space>
      </Space>
      <Space.Compact className="ky-fullwidth" style={{ marginBottom: 12 }}>
        <LookupSelect target={object} multiple value={picked} onChange={(v) => setPicked(v ? [v] : [])} onChangeMany={setPicked} placeholder={t('segment.addPick')} className="ky-fullwidth" />
        <Button type="primary" disabled={picked.length === 0} onClick={() => void add()} data-testid="segment-add-members">
          {t('segment.add')}
        </Button>
      </Space.Compact>
      {error ? <Alert type="error" showIcon message={errorMessage(error, t)} /> : null}
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        loading={loading}
        dataSource={rows}
        columns={memberColumns(object, t, (row) => (
          <Button type="text" size="small" icon={<DeleteOutlined />} aria-label={t('segment.remove')} onClick={() => void remove(String(row.id))} />
        ))}
        locale={{ emptyText: <Empty description={t('segment.noMembers')} /> }}
      />
      {cursor && (
        <Button type="link" onClick={() => void more()}>
          {t('segment.more')}
        </Button>
      )}
    </div>
  );
}
