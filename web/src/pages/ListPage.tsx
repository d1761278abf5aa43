import { CloudUploadOutlined, DeleteOutlined, DownloadOutlined, FilterOutlined, MoreOutlined, PlusOutlined, ReloadOutlined, SearchOutlined, TableOutlined } from '@ant-design/icons';
import { Alert, Badge, Button, Checkbox, Drawer, Dropdown, Empty, Grid, Input, Popover, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import '../components/records.css';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { FieldMeta, ObjectMeta, QueryBody, RecordData, SavedView } from '../api/types';
import { describeCondition, FilterBuilder, filterableFields } from '../components/FilterBuilder';
import { InlineEditCell } from '../components/InlineEditCell';
import { ListModeSwitch } from '../components/ListModeSwitch';
import { MassActions } from '../components/MassActions';
import { SavedViews } from '../components/SavedViews';
import { InfiniteSentinel } from '../components/InfiniteSentinel';
import { ObjectIcon } from '../components/ObjectIcon';
import { RecordTable, type SortDirection, type TableColumn } from '../components/RecordTable';
import { errorMessage, FullPageSpinner } from '../components/Status';
import { FieldDisplay, isNumericField } from '../fields/registry';
import { useI18n } from '../i18n';
import { defaultColumns, getField, recordTitle } from '../lib/fields';
import { andFilters, buildFilter, EMPTY_FILTER, isComplete, serializeFilterState, sortToParam, type FilterState } from '../lib/filter';
import { inlineEditable } from '../lib/inline';
import { can } from '../lib/layout';
import type { ListDefinition } from '../lib/views';
import { listQueryBody, loadColumns, saveColumns } from '../lib/listQuery';
import { afterPaint } from '../lib/afterPaint';
import { fetchTitles, unlabelledReferences, withLabels } from '../lib/referenceLabels';
import { useRecordList } from '../lib/useRecordList';
import { useListUrlState, useSearchDraft } from '../lib/useListUrlState';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';
import NotFoundPage from './NotFoundPage';

const RecordFormDrawer = lazy(() => import('../components/RecordFormDrawer'));


function ColumnChooser({ object, value, onChange }: { object: ObjectMeta; value: string[]; onChange: (v: string[]) => void }) {
  const { t, label } = useI18n();
  const all = filterableFields(object);
  return (
    <div className="ky-colchooser">
      <Typography.Text type="secondary">{t('list.columnsHelp')}</Typography.Text>
      <Checkbox.Group
        value={value}
        onChange={(v) => {
          const chosen = new Set(v as string[]);
          chosen.add(object.name_field);
          onChange(all.map((f) => f.name).filter((n) => chosen.has(n)));
        }}
      >
        <div className="ky-colchooser-list">
          {all.map((f) => (
            <Checkbox key={f.name} value={f.name} disabled={f.name === object.name_field}>
              {label(f.labels, f.name)}
            </Checkbox>
          ))}
        </div>
      </Checkbox.Group>
      <Button size="small" onClick={() => onChange(defaultColumns(object))}>
        {t('common.reset')}
      </Button>
    </div>
  );
}

function MobileCards({ object, records, columns }: { object: ObjectMeta; records: RecordData[]; columns: FieldMeta[] }) {
  const { t, label } = useI18n();
  const rest = columns.filter((c) => c.name !== object.name_field).slice(0, 4);
  return (
    <div className="ky-cards" data-testid="list-cards">
      {records.map((r) => (
        <Link key={r.id} to={`/o/${object.name}/${encodeURIComponent(r.id)}`} className="ky-card">
          <div className="ky-card-title">{recordTitle(object, r) || t('record.untitled')}</div>
          <dl className="ky-card-fields">
            {rest.map((f) => (
              <div key={f.name} className="ky-card-field">
                <dt>{label(f.labels, f.name)}</dt>
                <dd>
                  <FieldDisplay field={f} record={r} compact plain />
                </dd>
              </div>
            ))}
          </dl>
        </Link>
      ))}
    </div>
  );
}

export default function ListPage() {
  const { object: objectName = '' } = useParams();
  const { getObject, loading: metaLoading } = useMetadata();
  const obj = getObject(objectName);
  if (!obj) {
    if (metaLoading) return <FullPageSpinner />;
    return <NotFoundPage title={undefined} />;
  }
  return <ObjectList key={obj.name} object={obj} />;
}

function ObjectList({ object }: { object: ObjectMeta }) {
  const { t, label, lang } = useI18n();
  const { getObject } = useMetadata();
  const fmt = useFormatSettings();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const mobile = !screens.md;
  const [columns, setColumns] = useState<string[]>(() => loadColumns(object));
  /** The columns of the view the page now shows (opened, or restored from the URL). */
  const showViewColumns = useCallback(
    (view: SavedView | null) =>
      setColumns(view ? (view.columns?.length ? view.columns.filter((n) => getField(object, n)) : defaultColumns(object)) : loadColumns(object)),
    [object],
  );
  const url = useListUrlState(object, showViewColumns);
  const { q, sort, filterState, fixedFilter, resolve, setParam, setParams, viewId, ready } = url;
  const search = useSearchDraft(q, useCallback((v: string) => setParam('q', v), [setParam]));
  const [filterOpen, setFilterOpen] = useState(false);
  const [draft, setDraft] = useState<FilterState>(filterState);
  const [createOpen, setCreateOpen] = useState(false);
  const [count, setCount] = useState<number | null>(null);
  const [selectedIds, setSelectedIds] = useState<string[]>([]);

  const plural = label(object.plural_labels ?? object.labels, object.name);
  useEffect(() => {
    document.title = `${plural} · ${t('app.name')}`;
  }, [plural, t]);

  const built = useMemo(() => buildFilter(filterState, resolve, { timeZone: fmt.timeZone }), [filterState, resolve, fmt.timeZone]);
  const filter = useMemo(() => andFilters(fixedFilter, built), [fixedFilter, built]);

  // A filter from a saved view or a shared link names referenced records by id: put their
  // titles in (chips and pickers show them), leaving the query itself unchanged.
  const rawFilterParam = url.rawFilter;
  useEffect(() => {
    const wanted = unlabelledReferences(filterState, resolve);
    if (!wanted.size) return;
    const ctrl = new AbortController();
    void fetchTitles(wanted, getObject, ctrl.signal).then((titles) => {
      if (ctrl.signal.aborted) return;
      const labelled = serializeFilterState(withLabels(filterState, resolve, titles));
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (next.get('f') === rawFilterParam) next.set('f', labelled);
          return next;
        },
        { replace: true },
      );
    });
    return () => ctrl.abort();
    // filterState is parsed from rawFilterParam (the same text, the same object)
  }, [rawFilterParam, filterState, resolve, getObject, setParams]);
  const columnFields = columns.map((n) => getField(object, n)).filter((f): f is FieldMeta => !!f);
  const body: QueryBody = listQueryBody(object, columns, filter, sort, q);
  // Nothing is asked for while a view named by the URL is still being opened.
  const key = ready ? JSON.stringify(body) : '';
  const list = useRecordList(object.name, ready ? body : null, key);
  const selected = list.records.filter((r) => selectedIds.includes(r.id));
  useEffect(() => setSelectedIds([]), [key]);

  const definition: ListDefinition = { filter, sort, columns, q };

  const exportHref = api.exportUrl(object.name, { filter, sort, fields: columns, q: q || null });
  const exportXlsxHref = api.exportUrl(object.name, { filter, sort, fields: columns, q: q || null, format: 'xlsx' });

  // total count (aggregate) for the header: the same filter and quick search as the rows
  // (asked for once the rows are painted: nobody waits for it, and it is the slow query)
  useEffect(() => {
    setCount(null);
    if (!ready) return;
    const ctrl = new AbortController();
    const cancel = afterPaint(() => {
      api
        .aggregate(object.name, { filter, aggregates: [{ op: 'count' }], q: q || null }, ctrl.signal)
        .then((res) => {
          const v = res.groups?.[0]?.values?.count;
          setCount(typeof v === 'number' ? v : null);
        })
        .catch(() => setCount(null));
    });
    return () => {
      cancel();
      ctrl.abort();
    };
  }, [object.name, filter, q, ready]);

  const chooseColumns = (cols: string[]) => {
    setColumns(cols);
    saveColumns(object.name, cols);
  };

  const applyFilter = (state: FilterState) => {
    const complete = { ...state, conditions: state.conditions.filter((c) => isComplete(c, resolve(c.field))) };
    setParam('f', serializeFilterState(complete));
    setFilterOpen(false);
  };

  const canEdit = can(object, 'edit');
  const tableColumns: TableColumn<RecordData>[] = columnFields.map((f, i) => ({
    key: f.name,
    title: label(f.labels, f.name),
    sortable: f.type !== 'multi_picklist' && f.type !== 'long_text' && f.type !== 'formula',
    align: isNumericField(f) ? 'right' : 'left',
    width: i === 0 ? 260 : f.type === 'boolean' ? 110 : 180,
    render: (r) =>
      f.name === object.name_field ? (
        <Link to={`/o/${object.name}/${encodeURIComponent(r.id)}`} className="ky-namecell" onClick={(e) => e.stopPropagation()}>
          {recordTitle(object, r) || t('record.untitled')}
        </Link>
      ) : canEdit && inlineEditable(f) ? (
        <InlineEditCell object={object} field={f} record={r} onSaved={list.replace} />
      ) : (
        <FieldDisplay field={f} record={r} compact />
      ),
  }));

  const onSort = (field: string, direction: SortDirection | null) => {
    setParam('sort', sortToParam(direction ? [{ field, direction }] : []));
  };

  const conditionChips = filterState.conditions.map((c) => (
    <Tag
      key={c.id}
      closable
      className="ky-chip"
      onClose={(e) => {
        e.preventDefault();
        applyFilter({ ...filterState, conditions: filterState.conditions.filter((x) => x.id !== c.id) });
      }}
    >
      {describeCondition(c, resolve(c.field), t, lang, (f) => label(f.labels, f.name))}
    </Tag>
  ));

  const filterPanel = (
    <div className="ky-filter-panel">
      <FilterBuilder object={object} value={draft} onChange={setDraft} />
      <div className="ky-filter-actions">
        <Button onClick={() => setDraft(EMPTY_FILTER)}>{t('common.clear')}</Button>
        <Button type="primary" onClick={() => applyFilter(draft)} data-testid="filter-apply">
          {t('common.apply')}
        </Button>
      </div>
    </div>
  );

  const countText =
    count !== null
      ? t('common.records', { count: count.toLocaleString(fmt.locale) })
      : !list.loading
        ? t(list.nextCursor ? 'common.recordsMore' : 'common.records', { count: list.records.length })
        : '';

  const filterButton = (
    <Badge count={filterState.conditions.length} size="small" color="#3358d4">
      <Button
        icon={<FilterOutlined />}
        onClick={() => {
          setDraft(filterState.conditions.length ? filterState : { match: 'and', conditions: [] });
          setFilterOpen(true);
        }}
        data-testid="filter-open"
      >
        {mobile ? null : t('list.filter')}
      </Button>
    </Badge>
  );

  const listFoot =
    !list.loading && list.records.length > 0 ? (
      <div className="ky-list-foot">
        {list.nextCursor ? (
          <Button onClick={list.loadMore} loading={list.loadingMore} data-testid="list-more">
            {t('common.loadMore')}
          </Button>
        ) : (
          <Typography.Text type="secondary">{t('list.end')}</Typography.Text>
        )}
      </div>
    ) : null;

  return (
    <div className={`ky-page ky-list-page${mobile ? '' : ' ky-list-fill'}`}>

      <div className="ky-page-head">
        <div className="ky-page-title">
          <ObjectIcon name={object.name} icon={object.icon} size={36} />
          <div>
            <h1>{plural}</h1>
            <div className="ky-page-sub">{countText || '\u00a0'}</div>
          </div>
        </div>
        <Space wrap className="ky-head-actions">
          <ListModeSwitch object={object} mode="list" />
          <Dropdown
            trigger={['click']}
            menu={{
              items: [
                { key: 'export', icon: <DownloadOutlined />, label: <a href={exportHref} download data-testid="list-export">{t('list.export')}</a> },
                {
                  key: 'export-xlsx',
                  icon: <DownloadOutlined />,
                  label: <a href={exportXlsxHref} download data-testid="list-export-xlsx">{t('list.exportXlsx')}</a>,
                },
                ...(can(object, 'create') || can(object, 'edit') ? [{ key: 'import', icon: <CloudUploadOutlined />, label: <span data-testid="list-import">{t('list.import')}</span> }] : []),
                ...(can(object, 'delete') ? [{ key: 'bin', icon: <DeleteOutlined />, label: t('bin.title') }] : []),
              ],
              onClick: ({ key }) => {
                if (key === 'bin') navigate(`/o/${object.name}/bin`);
                if (key === 'import') navigate(`/o/${object.name}/import`);
              },
            }}
          >
            <Button icon={<MoreOutlined />} aria-label={t('common.more')} data-testid="list-more-actions" />
          </Dropdown>
          {can(object, 'create') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreateOpen(true)} data-testid="list-new">
              {t('common.new')}
            </Button>
          )}
        </Space>
      </div>

      <div className="ky-toolbar">
        <SavedViews object={object} activeId={viewId} current={definition} defaultColumns={defaultColumns(object)} onSelect={url.openView} />
        <Input
          className="ky-toolbar-search"
          prefix={<SearchOutlined />}
          placeholder={t('list.search')}
          allowClear
          value={search.draft}
          onChange={(e) => search.change(e.target.value)}
          onPressEnter={search.flush}
          data-testid="list-search"
        />
        <Space size={8}>
          {mobile ? (
            filterButton
          ) : (
            <Popover
              open={filterOpen}
              onOpenChange={(o) => {
                if (!o) setFilterOpen(false);
              }}
              trigger="click"
              placement="bottomRight"
              content={filterPanel}
              title={t('filter.title', { object: plural })}
              destroyOnHidden
            >
              {filterButton}
            </Popover>
          )}
          {!mobile && (
            <Popover trigger="click" placement="bottomRight" content={<ColumnChooser object={object} value={columns} onChange={chooseColumns} />} title={t('list.columns')}>
              <Button icon={<TableOutlined />}>{t('list.columns')}</Button>
            </Popover>
          )}
          <Tooltip title={t('common.reload')}>
            <Button icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.reload')} />
          </Tooltip>
        </Space>
      </div>

      {conditionChips.length > 0 && (
        <div className="ky-chips">
          {conditionChips}
          <Button type="link" size="small" onClick={() => applyFilter(EMPTY_FILTER)}>
            {t('list.clearFilters')}
          </Button>
        </div>
      )}

      {!mobile && (
        <MassActions
          object={object}
          selected={selected}
          onClear={() => setSelectedIds([])}
          onDone={() => {
            setSelectedIds([]);
            list.reload();
          }}
        />
      )}

      {list.error !== null && list.records.length === 0 ? (
        <Alert
          type="error"
          showIcon
          message={t('list.loadError')}
          description={errorMessage(list.error, t)}
          action={<Button onClick={list.reload}>{t('app.retry')}</Button>}
        />
      ) : mobile ? (
        list.loading ? (
          <Skeleton active paragraph={{ rows: 8 }} />
        ) : list.records.length === 0 ? (
          <Empty description={t('list.empty', { object: plural })} />
        ) : (
          <MobileCards object={object} records={list.records} columns={columnFields} />
        )
      ) : (
        <div className="ky-table-card">
          <RecordTable<RecordData>
            label={plural}
            columns={tableColumns}
            rows={list.records}
            loading={list.loading}
            stickyFirstColumn
            scrollResetKey={key}
            paintTiming="list-row"
            sort={sort[0] ? { key: sort[0].field, direction: sort[0].direction } : null}
            onSort={onSort}
            selection={
              can(object, 'edit') || can(object, 'delete')
                ? {
                    selected: selectedIds,
                    onChange: setSelectedIds,
                    labels: { all: t('list.selectAll'), row: (r) => t('list.selectRow', { name: recordTitle(object, r) || t('record.untitled') }) },
                  }
                : undefined
            }
            onRowClick={(r, e) => {
              // Clicks on an inline editor or its popover (a portal, but its events bubble
              // through React) are not "open the record".
              const target = e.target as HTMLElement;
              if (target.closest('.ky-inline-edit, .ant-popover')) return;
              navigate(`/o/${object.name}/${encodeURIComponent(r.id)}`);
            }}
            empty={
              <Empty description={<span>{t('list.empty', { object: plural })}</span>} image={Empty.PRESENTED_IMAGE_SIMPLE}>
                <Typography.Text type="secondary">{t('list.emptyHelp')}</Typography.Text>
              </Empty>
            }
            onEndReached={list.nextCursor ? list.loadMore : undefined}
            endReachedDisabled={list.loadingMore}
            footer={listFoot}
          />
        </div>
      )}

      {mobile && (
        <>
          {list.nextCursor && !list.loading && <InfiniteSentinel onVisible={list.loadMore} disabled={list.loadingMore} />}
          {listFoot}
        </>
      )}

      {mobile && (
        <Drawer open={filterOpen} onClose={() => setFilterOpen(false)} placement="bottom" height="85%" title={t('filter.title', { object: plural })} destroyOnHidden>
          {filterPanel}
        </Drawer>
      )}

      {createOpen && (
        <Suspense fallback={null}>
          <RecordFormDrawer
            object={object}
            open={createOpen}
            onClose={() => setCreateOpen(false)}
            onCreated={(r) => {
              setCreateOpen(false);
              navigate(`/o/${object.name}/${encodeURIComponent(r.id)}`);
            }}
          />
        </Suspense>
      )}
    </div>
  );
}
