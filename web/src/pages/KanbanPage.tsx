import { MoreOutlined, SearchOutlined } from '@ant-design/icons';
import { Alert, App, Badge, Button, Dropdown, Empty, Form, Input, Modal, Select, Skeleton, Space, Tag } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import type { FieldMeta, FilterNode, ObjectMeta, RecordData } from '../api/types';
import { describeCondition } from '../components/FilterBuilder';
import { ListModeSwitch } from '../components/ListModeSwitch';
import { ObjectIcon } from '../components/ObjectIcon';
import { RecordForm } from '../components/RecordForm';
import { applyFieldErrors, toPayload } from '../components/recordForm';
import '../components/records.css';
import { errorMessage, FullPageSpinner } from '../components/Status';
import { optionColor } from '../fields/display';
import { FieldDisplay } from '../fields/registry';
import { optionLabel } from '../fields/text';
import { useI18n } from '../i18n';
import { getField, highlightFields, recordTitle } from '../lib/fields';
import { andFilters, buildFilter } from '../lib/filter';
import { formatCompactCurrency } from '../lib/format';
import {
  amountField,
  columnFilter,
  columnTotals,
  defaultKanbanField,
  kanbanColumns,
  kanbanFields,
  missingFields,
  moveCard,
  replaceCard,
  rollbackCard,
  shiftTotals,
  type BoardState,
  type ColumnTotal,
  type KanbanColumnDef,
} from '../lib/kanban';
import { can } from '../lib/layout';
import { useListUrlState, useSearchDraft } from '../lib/useListUrlState';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';
import NotFoundPage from './NotFoundPage';

const PAGE = 20;

export default function KanbanPage() {
  const { object: objectName = '' } = useParams();
  const { getObject, loading } = useMetadata();
  const obj = getObject(objectName);
  if (!obj) return loading ? <FullPageSpinner /> : <NotFoundPage />;
  const field = defaultKanbanField(obj);
  if (!field) return <NotFoundPage />;
  return <Board key={obj.name} object={obj} />;
}

interface Pending {
  card: RecordData;
  from: string;
  index: number;
  to: KanbanColumnDef;
  fields: FieldMeta[];
}

function Board({ object }: { object: ObjectMeta }) {
  const { t, label, lang } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const url = useListUrlState(object);
  const { q, filterState, fixedFilter, resolve, setParam, ready } = url;
  const groupable = kanbanFields(object);
  const field = groupable.find((f) => f.name === url.by) ?? defaultKanbanField(object)!;
  const amount = amountField(object);
  const columns = useMemo(() => kanbanColumns(field), [field]);
  const search = useSearchDraft(q, useCallback((v: string) => setParam('q', v), [setParam]));
  const base: FilterNode | null = useMemo(
    () => andFilters(fixedFilter, buildFilter(filterState, resolve, { timeZone: fmt.timeZone })),
    [fixedFilter, filterState, resolve, fmt.timeZone],
  );
  const [board, setBoard] = useState<BoardState>({});
  const [totals, setTotals] = useState<Record<string, ColumnTotal>>({});
  const [over, setOver] = useState<string | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [pendingError, setPendingError] = useState<string | null>(null);
  const [form] = Form.useForm();
  const drag = useRef<{ id: string; from: string } | null>(null);
  const boardRef = useRef(board);
  boardRef.current = board;
  const canEdit = can(object, 'edit');
  const plural = label(object.plural_labels ?? object.labels, object.name);

  const cardFields = useMemo(
    () => highlightFields(object, 4).filter((f) => f.name !== field.name && f.name !== amount?.name).slice(0, 2),
    [object, field.name, amount?.name],
  );
  const fieldsToLoad = useMemo(
    () => Array.from(new Set(['id', 'version', object.name_field, field.name, ...(amount ? [amount.name] : []), ...cardFields.map((f) => f.name), 'owner_id'])).filter((n) => n === 'id' || n === 'version' || getField(object, n)),
    [object, field.name, amount, cardFields],
  );

  useEffect(() => {
    document.title = `${plural} · ${t('app.name')}`;
  }, [plural, t]);

  const loadColumn = useCallback(
    async (col: KanbanColumnDef, cursor: string | null, signal?: AbortSignal) => {
      // The cards shown stay while their column reloads (replaced when the page arrives): a
      // card's menu or a drag in progress is not torn down by a refetch.
      setBoard((b) => ({ ...b, [col.key]: { records: b[col.key]?.records ?? [], nextCursor: b[col.key]?.nextCursor ?? null, loading: true } }));
      try {
        const page = await api.query(object.name, { filter: columnFilter(field, col, base), fields: fieldsToLoad, limit: PAGE, cursor, q: q || null }, signal);
        setBoard((b) => {
          const prev = cursor ? (b[col.key]?.records ?? []) : [];
          const seen = new Set(prev.map((r) => r.id));
          return { ...b, [col.key]: { records: [...prev, ...page.records.filter((r) => !seen.has(r.id))], nextCursor: page.next_cursor, loading: false } };
        });
      } catch (e) {
        if (signal?.aborted) return;
        setBoard((b) => ({ ...b, [col.key]: { records: b[col.key]?.records ?? [], nextCursor: null, loading: false } }));
        message.error(errorMessage(e, t));
      }
    },
    [object.name, field, base, q, fieldsToLoad, message, t],
  );

  const loadTotals = useCallback(
    (signal?: AbortSignal) => {
      // The same filter and quick search as the cards: totals describe what the board shows.
      const aggregates: { op: 'count' | 'sum'; field?: string }[] = [{ op: 'count' }];
      if (amount) aggregates.push({ op: 'sum', field: amount.name });
      api
        .aggregate(object.name, { filter: base, group_by: [{ field: field.name }], aggregates, q: q || null }, signal)
        .then((r) => setTotals(columnTotals(r, field.name, amount?.name)))
        .catch(() => undefined);
    },
    [object.name, field.name, base, q, amount],
  );

  // Another grouping field is another board: its columns start empty. A refetch of the same
  // columns (a filter, a search, a saved view opening) keeps the cards until the new ones come.
  useEffect(() => setBoard({}), [columns]);

  useEffect(() => {
    // Nothing is asked for while a view named by the URL is still being opened.
    if (!ready) return;
    const ctrl = new AbortController();
    for (const col of columns) void loadColumn(col, null, ctrl.signal);
    loadTotals(ctrl.signal);
    return () => ctrl.abort();
  }, [columns, loadColumn, loadTotals, ready]);

  /**
   * PATCH the card's picklist (plus any fields the user just filled), with its version. A move
   * from the board that needs more fields opens the small form; a save from that form
   * (`fromDialog`) throws the refusal back to it, so the form shows it and stays open.
   */
  const commit = async (card: RecordData, from: string, index: number, to: KanbanColumnDef, extra: Record<string, unknown> = {}, fromDialog = false) => {
    setSaving(card.id);
    try {
      const updated = await api.update(object.name, card.id, card.version, { [field.name]: to.value, ...extra });
      setBoard((b) => replaceCard(b, to.key, { ...updated, _display: { ...(card._display ?? {}), ...(updated._display ?? {}) } }));
      message.success(t('kanban.moved', { title: recordTitle(object, card), column: columnLabel(to) }));
      return true;
    } catch (e) {
      setBoard((b) => rollbackCard(b, card, from, index, to.key));
      setTotals((tt) => shiftTotals(tt, to.key, from, amount ? (card[amount.name] as number | null) : null));
      if (fromDialog) throw e;
      const needed = missingFields(e, object, field.name);
      if (needed.length) {
        setPendingError(null);
        form.resetFields();
        setPending({ card, from, index, to, fields: needed });
      } else {
        message.error({ content: errorMessage(e, t), key: 'kanban-error' });
      }
      return false;
    } finally {
      setSaving(null);
    }
  };

  const move = (id: string, from: string, toKey: string) => {
    if (from === toKey || !canEdit) return;
    const col = boardRef.current[from];
    const index = col?.records.findIndex((r) => r.id === id) ?? -1;
    const to = columns.find((c) => c.key === toKey);
    if (!col || index < 0 || !to) return;
    const card = col.records[index];
    setBoard((b) => moveCard(b, id, from, toKey, { [field.name]: to.value }));
    setTotals((tt) => shiftTotals(tt, from, toKey, amount ? (card[amount.name] as number | null) : null));
    void commit(card, from, index, to);
  };

  /** The small form after a refused move: fill the required fields, then move again. */
  const completePending = async () => {
    if (!pending) return;
    let values: Record<string, unknown>;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    const extra = toPayload(object, values, fmt, 'edit', pending.card);
    const { card, from, index, to } = pending;
    setBoard((b) => moveCard(b, card.id, from, to.key, { [field.name]: to.value, ...extra }));
    setTotals((tt) => shiftTotals(tt, from, to.key, amount ? (card[amount.name] as number | null) : null));
    try {
      await commit(card, from, index, to, extra, true);
      setPending(null);
    } catch (e) {
      const rest = applyFieldErrors(
        form,
        e,
        pending.fields.map((f) => f.name),
      );
      const placed = e instanceof ApiError && e.fieldErrors.length > 0;
      setPendingError(rest.length ? rest.join(' ') : placed ? null : errorMessage(e, t));
    }
  };

  const columnLabel = (col: KanbanColumnDef) => (col.value === null ? t('kanban.noValue') : optionLabel(field, col.value, lang));

  const onDragStart = (e: DragEvent, id: string, from: string) => {
    drag.current = { id, from };
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', id);
  };
  const onDrop = (e: DragEvent, to: string) => {
    e.preventDefault();
    setOver(null);
    const d = drag.current;
    drag.current = null;
    if (d) move(d.id, d.from, to);
  };

  const chips = filterState.conditions.map((c) => (
    <Tag key={c.id} className="ky-chip">
      {describeCondition(c, resolve(c.field), t, lang, (f) => label(f.labels, f.name))}
    </Tag>
  ));

  return (
    <div className="ky-page ky-kanban-page">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <ObjectIcon name={object.name} icon={object.icon} size={36} />
          <div>
            <h1>{plural}</h1>
            <div className="ky-page-sub">{t('kanban.by', { field: label(field.labels, field.name) })}</div>
          </div>
        </div>
        <Space wrap className="ky-head-actions">
          <ListModeSwitch object={object} mode="kanban" />
        </Space>
      </div>
      <div className="ky-toolbar">
        <Input
          className="ky-toolbar-search"
          prefix={<SearchOutlined />}
          placeholder={t('list.search')}
          allowClear
          value={search.draft}
          onChange={(e) => search.change(e.target.value)}
          onPressEnter={search.flush}
          data-testid="kanban-search"
        />
        {groupable.length > 1 && (
          <Select
            value={field.name}
            onChange={(v: string) => setParam('by', v)}
            options={groupable.map((f) => ({ value: f.name, label: t('kanban.by', { field: label(f.labels, f.name) }) }))}
            style={{ minWidth: 180 }}
            data-testid="kanban-by"
          />
        )}
      </div>
      {chips.length > 0 && (
        <div className="ky-chips">
          {chips}
          <Button
            type="link"
            size="small"
            onClick={() => setParam('f', '')}
          >
            {t('list.clearFilters')}
          </Button>
        </div>
      )}

      <div className="ky-kanban" data-testid="kanban">
        {columns.map((col) => {
          const state = board[col.key];
          const total = totals[col.key];
          const color = col.value ? optionColor(field, col.value) : undefined;
          return (
            <section
              key={col.key}
              className={`ky-kcol${over === col.key ? ' is-over' : ''}`}
              data-testid={`kanban-col-${col.key}`}
              onDragOver={(e) => {
                if (!drag.current) return;
                e.preventDefault();
                e.dataTransfer.dropEffect = 'move';
                if (over !== col.key) setOver(col.key);
              }}
              onDragLeave={(e) => {
                if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node)) setOver((o) => (o === col.key ? null : o));
              }}
              onDrop={(e) => onDrop(e, col.key)}
              aria-label={columnLabel(col)}
            >
              <header className="ky-kcol-head">
                <div className="ky-kcol-title">
                  <Badge color={color && color !== 'default' ? color : '#a0a8b8'} />
                  <span>{columnLabel(col)}</span>
                  <span className="ky-kcol-count" data-testid={`kanban-count-${col.key}`}>
                    {total ? total.count.toLocaleString(fmt.locale) : 0}
                  </span>
                </div>
                {amount && (
                  <div className="ky-kcol-sum" data-testid={`kanban-sum-${col.key}`}>
                    {formatCompactCurrency(total?.sum ?? 0, fmt)}
                  </div>
                )}
              </header>
              <div className="ky-kcol-body">
                {!state || (state.loading && state.records.length === 0) ? (
                  <Skeleton active paragraph={{ rows: 2 }} title={false} />
                ) : state.records.length === 0 ? (
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('kanban.empty')} />
                ) : (
                  state.records.map((r) => (
                    <article
                      key={r.id}
                      className={`ky-kcard${saving === r.id ? ' is-saving' : ''}`}
                      draggable={canEdit}
                      onDragStart={(e) => onDragStart(e, r.id, col.key)}
                      onDragEnd={() => setOver(null)}
                      data-testid="kanban-card"
                      data-id={r.id}
                    >
                      <Space align="start" style={{ width: '100%', justifyContent: 'space-between' }}>
                        <Link to={`/o/${object.name}/${encodeURIComponent(r.id)}`} className="ky-kcard-title" draggable={false}>
                          {recordTitle(object, r) || t('record.untitled')}
                        </Link>
                        {canEdit && (
                          <Dropdown
                            trigger={['click']}
                            menu={{
                              items: columns.filter((c) => c.key !== col.key).map((c) => ({ key: c.key, label: columnLabel(c) })),
                              onClick: ({ key }) => move(r.id, col.key, key),
                            }}
                          >
                            <Button type="text" size="small" icon={<MoreOutlined />} aria-label={t('kanban.moveTo')} data-testid="kanban-move" />
                          </Dropdown>
                        )}
                      </Space>
                      {amount && r[amount.name] !== null && r[amount.name] !== undefined && (
                        <div className="ky-kcard-line">
                          <FieldDisplay field={amount} record={r} compact plain />
                        </div>
                      )}
                      {cardFields.map((f) => (
                        <div key={f.name} className="ky-kcard-line">
                          <FieldDisplay field={f} record={r} compact plain />
                        </div>
                      ))}
                    </article>
                  ))
                )}
                {state?.nextCursor && (
                  <Button size="small" type="link" loading={state.loading} onClick={() => void loadColumn(col, state.nextCursor)}>
                    {t('common.loadMore')}
                  </Button>
                )}
              </div>
            </section>
          );
        })}
      </div>

      <Modal
        open={!!pending}
        title={pending ? t('kanban.needsFields', { column: columnLabel(pending.to) }) : ''}
        onCancel={() => setPending(null)}
        onOk={() => void completePending()}
        okText={t('kanban.moveAndSave')}
        okButtonProps={{ 'data-testid': 'kanban-complete' }}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        {pending && (
          <>
            <Alert type="info" showIcon className="ky-mb" message={t('kanban.needsFieldsHelp', { title: recordTitle(object, pending.card) })} />
            {pendingError && <Alert type="error" showIcon className="ky-mb" message={pendingError} />}
            <RecordForm object={object} form={form} mode="edit" record={pending.card} fields={pending.fields} columns={1} />
          </>
        )}
      </Modal>
    </div>
  );
}
