import { ArrowRightOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Empty, Grid, Skeleton, Table } from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { RecordData } from '../api/types';
import { FieldDisplay, isNumericField } from '../fields/registry';
import { useI18n } from '../i18n';
import { defaultColumns, getField, recordTitle, type Relation } from '../lib/fields';
import { serializeFilterState } from '../lib/filter';
import { can } from '../lib/layout';
import { useRecordList } from '../lib/useRecordList';
import { errorMessage } from './Status';

const RecordFormDrawer = lazy(() => import('./RecordFormDrawer'));

/** The filter of a related list: children whose lookup points at the parent. */
export function relatedFilter(rel: Relation, parentId: string) {
  return { field: rel.field.name, op: 'eq' as const, value: parentId };
}

export function relatedListUrl(rel: Relation, parentId: string, parentTitle: string): string {
  const f = serializeFilterState({
    match: 'and',
    conditions: [{ id: 'p', field: rel.field.name, op: 'in', value: [{ value: parentId, label: parentTitle }] }],
  });
  return `/o/${rel.object.name}?f=${encodeURIComponent(f)}`;
}

export function RelatedList({
  relation,
  parentId,
  parentTitle,
  refreshKey = 0,
  onChanged,
}: {
  relation: Relation;
  parentId: string;
  parentTitle: string;
  /** Changes when the page created related records elsewhere (the timeline): reload. */
  refreshKey?: number;
  onChanged?: () => void;
}) {
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const [creating, setCreating] = useState(false);
  const child = relation.object;
  const cols = useMemo(
    () =>
      defaultColumns(child, screens.md ? 5 : 3)
        .filter((n) => n !== relation.field.name)
        .map((n) => getField(child, n)!)
        .filter(Boolean),
    [child, relation.field.name, screens.md],
  );
  const body = {
    filter: relatedFilter(relation, parentId),
    sort: [{ field: 'created_at', direction: 'desc' as const }],
    fields: Array.from(new Set(['id', child.name_field, ...cols.map((c) => c.name)])),
    limit: 10,
  };
  const list = useRecordList(child.name, body, `${JSON.stringify(body)}#${refreshKey}`);

  return (
    <div className="ky-related" data-testid={`related-${child.name}-${relation.field.name}`}>
      <div className="ky-related-head">
        {can(child, 'create') ? (
          <Button size="small" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('common.new')}
          </Button>
        ) : (
          <span />
        )}
        {list.nextCursor && (
          <Link to={relatedListUrl(relation, parentId, parentTitle)}>
            {t('common.viewAll')} <ArrowRightOutlined />
          </Link>
        )}
      </div>
      {list.loading ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : list.error ? (
        <Empty description={errorMessage(list.error, t)} image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : list.records.length === 0 ? (
        <Empty description={t('record.noRelated')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : (
        <Table<RecordData>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={list.records}
          scroll={{ x: 'max-content' }}
          onRow={(r) => ({ onClick: () => navigate(`/o/${child.name}/${encodeURIComponent(r.id)}`), className: 'ky-row' })}
          columns={cols.map((f) => ({
            key: f.name,
            title: label(f.labels, f.name),
            align: isNumericField(f) ? ('right' as const) : ('left' as const),
            ellipsis: true,
            render: (_: unknown, r: RecordData) =>
              f.name === child.name_field ? (
                <Link to={`/o/${child.name}/${encodeURIComponent(r.id)}`} className="ky-namecell" onClick={(e) => e.stopPropagation()}>
                  {recordTitle(child, r) || t('record.untitled')}
                </Link>
              ) : (
                <FieldDisplay field={f} record={r} compact />
              ),
          }))}
        />
      )}
      {creating && (
        <Suspense fallback={null}>
          <RecordFormDrawer
            object={child}
            open={creating}
            onClose={() => setCreating(false)}
            prefill={{ id: '', [relation.field.name]: parentId, _display: { [relation.field.name]: parentTitle } }}
            onCreated={(r) => {
              setCreating(false);
              list.prepend(r);
              onChanged?.();
            }}
          />
        </Suspense>
      )}
    </div>
  );
}
