/**
 * The line-item editor of quotes, orders and opportunities: an editable table of products with
 * quantity, unit price, discount and tax, live line totals and a subtotal/tax/grand-total
 * footer computed exactly like the server (lib/lineItems.ts), saved through the records API.
 *
 * The product picker searches the price book entries of the record's price book (code, name,
 * book price); picking one fills the unit price from the book and the tax rate from the product.
 * A quote or order that is no longer a draft shows its lines read-only.
 */
import '../../i18n/l2c';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Empty, Input, Select, Skeleton, Space, Table, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { api } from '../../api/endpoints';
import type { FilterNode, ObjectMeta, RecordData } from '../../api/types';
import { useI18n, type MessageKey } from '../../i18n';
import { formatMoney, normalize } from '../../lib/decimal';
import type { Relation } from '../../lib/fields';
import { can } from '../../lib/layout';
import { lineAmounts, lineChanges, rowProblems, totals, type EditorRow } from '../../lib/lineItems';
import { useTypeahead } from '../../lib/useTypeahead';
import { useMetadata } from '../../state/metadata';
import { useFormatSettings } from '../../state/session';
import { errorMessage } from '../Status';
import './l2c.css';

/** The objects whose lines get the editor, and the line object of each. */
const LINE_OBJECTS: Record<string, string> = { quote: 'quote_line', order: 'order_line', opportunity: 'opportunity_line' };

/** The relation of the record's lines (quote_line.quote …), when the l2c package is installed. */
export function lineRelation(object: string, relations: Relation[]): Relation | null {
  const child = LINE_OBJECTS[object];
  return relations.find((r) => r.object.name === child && r.field.name === object) ?? null;
}

/** Quotes and orders are edited only as drafts (the server refuses the rest). */
export function linesReadOnly(object: string, record: RecordData): boolean {
  if (object === 'quote') return (record.status ?? 'draft') !== 'draft' || record.superseded === true;
  if (object === 'order') return (record.status ?? 'draft') !== 'draft';
  return false;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : normalize(String(v)) || String(v));

function toRow(r: RecordData): EditorRow {
  return {
    key: r.id,
    id: r.id,
    version: r.version,
    product: (r.product as string | null) ?? null,
    productLabel: r._display?.product ?? undefined,
    quantity: str(r.quantity),
    unit_price: str(r.unit_price),
    discount_percent: str(r.discount_percent),
    tax_rate: str(r.tax_rate),
    sort_order: (r.sort_order as number | null) ?? null,
    description: (r.description as string | null) ?? null,
    price_book: r.price_book === undefined ? undefined : ((r.price_book as string | null) ?? null),
  };
}

interface ProductOption {
  value: string;
  label: string;
  product: string;
  productLabel: string;
  price: string | null;
}

/** Type-ahead over the book's entries (or the products' list prices when there is no book). */
function ProductPicker({
  book,
  value,
  onPick,
  currency,
  status,
}: {
  book: string | null;
  value: { value: string; label: string } | null;
  onPick: (o: ProductOption) => void;
  currency: string;
  status?: 'error';
}) {
  const { t } = useI18n();
  const search = useCallback(
    async (q: string, signal: AbortSignal): Promise<ProductOption[]> => {
      if (book) {
        // Typed text is matched on the product's code and name (a path filter), not the
        // entry's quick search: the entry's own name is only a copy of them.
        const typed: FilterNode[] = q.trim()
          ? [{ or: [{ field: 'product.code', op: 'contains', value: q.trim() }, { field: 'product.name', op: 'contains', value: q.trim() }] }]
          : [];
        const page = await api.query(
          'price_book_entry',
          { filter: { and: [{ field: 'price_book', op: 'eq', value: book }, { field: 'active', op: 'eq', value: true }, ...typed] }, fields: ['name', 'product', 'unit_price'], limit: 20 },
          signal,
        );
        return page.records.map((e) => ({
          value: e.id,
          label: String(e.name ?? e._display?.product ?? e.id),
          product: String(e.product),
          productLabel: String(e._display?.product ?? e.name ?? ''),
          price: str(e.unit_price),
        }));
      }
      const page = await api.query('product', { filter: { field: 'active', op: 'eq', value: true }, q: q || null, fields: ['code', 'name', 'list_price'], limit: 20 }, signal);
      return page.records.map((p) => ({
        value: p.id,
        label: [p.code, p.name].filter(Boolean).join(' '),
        product: p.id,
        productLabel: String(p.name ?? p.code ?? p.id),
        price: str(p.list_price),
      }));
    },
    [book],
  );
  const { options, loading, onSearch, onOpenChange } = useTypeahead<ProductOption>(search);
  const shown = value && !options.some((o) => o.product === value.value) ? [{ value: `current:${value.value}`, label: value.label, product: value.value, productLabel: value.label, price: null }, ...options] : options;
  const selected = value ? (shown.find((o) => o.product === value.value)?.value ?? null) : null;
  return (
    <Select<string>
      showSearch
      filterOption={false}
      className="ky-line-product"
      popupMatchSelectWidth={320}
      placeholder={t('lines.productSearch')}
      value={selected ?? undefined}
      onSearch={onSearch}
      onOpenChange={onOpenChange}
      loading={loading}
      status={status}
      data-testid="line-product"
      options={shown.map((o) => ({
        value: o.value,
        label: o.label,
        title: o.label,
        // The book price beside the name in the open list.
        display: o.price !== null ? `${o.label} · ${formatMoney(o.price, currency)}` : o.label,
      }))}
      optionRender={(o) => <span data-testid={`line-product-option-${o.value}`}>{(o.data as { display: string }).display}</span>}
      onChange={(v) => {
        const o = shown.find((x) => x.value === v);
        if (o && !o.value.startsWith('current:')) onPick(o);
      }}
    />
  );
}

let nextKey = 0;

export function LineItemsEditor({ parent, record, relation, onSaved }: { parent: ObjectMeta; record: RecordData; relation: Relation; onSaved?: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { getObject } = useMetadata();
  const fmt = useFormatSettings();
  const lineObj = relation.object;
  const parentField = relation.field.name;
  const currency = String(record.currency || fmt.currency || 'CNY');
  const [saved, setSaved] = useState<EditorRow[] | null>(null);
  const [rows, setRows] = useState<EditorRow[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saveErrors, setSaveErrors] = useState<string[]>([]);
  const [tried, setTried] = useState(false);
  const [standardBook, setStandardBook] = useState<string | null>(null);
  const readOnly = linesReadOnly(parent.name, record) || !can(lineObj, 'edit') || !can(parent, 'edit');
  const hasBookField = lineObj.fields.some((f) => f.name === 'price_book');
  const latest = useRef(0);

  const load = useCallback(() => {
    const ctrl = new AbortController();
    const mine = ++latest.current;
    const fields = ['product', 'quantity', 'unit_price', 'discount_percent', 'tax_rate', 'line_total', 'sort_order', 'description', ...(hasBookField ? ['price_book'] : [])];
    api
      .query(lineObj.name, { filter: { field: parentField, op: 'eq', value: record.id }, sort: [{ field: 'sort_order', direction: 'asc' }, { field: 'created_at', direction: 'asc' }], fields, limit: 200 }, ctrl.signal)
      .then((page) => {
        if (mine !== latest.current) return;
        const loaded = page.records.map(toRow);
        setSaved(loaded);
        setRows(loaded);
        setLoadError(null);
      })
      .catch((e) => {
        if (!ctrl.signal.aborted) setLoadError(e);
      });
    return () => ctrl.abort();
  }, [lineObj.name, parentField, record.id, hasBookField]);
  useEffect(() => load(), [load]);

  // The price book: the record's, else (an opportunity) its lines', else the tenant's standard one.
  const book = (record.price_book as string | null | undefined) ?? saved?.find((r) => r.price_book)?.price_book ?? standardBook;
  useEffect(() => {
    if (record.price_book || !getObject('price_book') || readOnly) return;
    const ctrl = new AbortController();
    api
      .query('price_book', { filter: { and: [{ field: 'is_standard', op: 'eq', value: true }, { field: 'active', op: 'eq', value: true }] }, fields: ['name'], limit: 1 }, ctrl.signal)
      .then((p) => setStandardBook(p.records[0]?.id ?? null))
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [record.price_book, getObject, readOnly]);

  const sums = useMemo(() => totals(rows), [rows]);
  const dirty = useMemo(() => {
    if (!saved) return false;
    const c = lineChanges(saved, rows);
    return c.creates.length + c.updates.length + c.deletes.length > 0;
  }, [saved, rows]);

  if (loadError) return <Empty description={errorMessage(loadError, t)} image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  if (!saved) return <Skeleton active paragraph={{ rows: 3 }} />;

  const patch = (key: string, values: Partial<EditorRow>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...values } : r)));
  const addRow = () =>
    setRows((rs) => [
      ...rs,
      { key: `new-${++nextKey}`, product: null, quantity: '1', unit_price: null, discount_percent: '0', tax_rate: null, ...(hasBookField ? { price_book: book ?? null } : {}) },
    ]);

  const pick = async (key: string, o: ProductOption) => {
    patch(key, { product: o.product, productLabel: o.productLabel, unit_price: o.price });
    try {
      const p = await api.get('product', o.product);
      patch(key, { tax_rate: str(p.tax_rate) });
    } catch {
      /* the server fills the tax rate from the product when saving */
    }
  };

  const problemsOf = (r: EditorRow) => (tried ? rowProblems(r) : {});
  const problemText = (code: string) => t(`lines.problem.${code}` as MessageKey);

  const save = async () => {
    setTried(true);
    if (rows.some((r) => Object.keys(rowProblems(r)).length > 0)) {
      setSaveErrors([t('lines.invalid')]);
      return;
    }
    setSaving(true);
    setSaveErrors([]);
    const { creates, updates, deletes } = lineChanges(saved, rows);
    const errors: string[] = [];
    const rowNo = (key: string) => rows.findIndex((r) => r.key === key) + 1;
    const note = (key: string | null, e: unknown) => {
      const prefix = key ? `#${rowNo(key)}: ` : '';
      if (e instanceof ApiError && e.fieldErrors.length) errors.push(...e.fieldErrors.map((fe) => `${prefix}${fe.message}`));
      else errors.push(prefix + errorMessage(e, t));
    };
    for (const r of deletes) await api.remove(lineObj.name, r.id!).catch((e) => note(null, e));
    for (const { row, values } of updates) await api.update(lineObj.name, row.id!, row.version, values).catch((e) => note(row.key, e));
    for (const row of creates) {
      const values: Record<string, unknown> = {
        [parentField]: record.id,
        product: row.product,
        quantity: row.quantity,
        unit_price: row.unit_price,
        discount_percent: row.discount_percent || '0',
        sort_order: row.sort_order,
      };
      if (row.tax_rate) values.tax_rate = row.tax_rate;
      if (row.description) values.description = row.description;
      if (hasBookField && (row.price_book ?? book)) values.price_book = row.price_book ?? book;
      await api.create(lineObj.name, values).catch((e) => note(row.key, e));
    }
    setSaving(false);
    setSaveErrors(errors);
    if (!errors.length) {
      message.success(t('lines.saved'));
      setTried(false);
    }
    load();
    onSaved?.();
  };

  const decimalCell = (r: EditorRow, name: 'quantity' | 'unit_price' | 'discount_percent' | 'tax_rate', width: number) => {
    const problem = problemsOf(r)[name];
    if (readOnly) return <span className="ky-num">{r[name] ?? ''}</span>;
    const input = (
      <Input
        size="small"
        inputMode="decimal"
        value={r[name] ?? ''}
        style={{ width }}
        className="ky-num-input"
        status={problem ? 'error' : undefined}
        onChange={(e) => patch(r.key, { [name]: e.target.value })}
        aria-label={t(({ quantity: 'lines.quantity', unit_price: 'lines.unitPrice', discount_percent: 'lines.discount', tax_rate: 'lines.taxRate' } as const)[name])}
        data-testid={`line-${name}`}
      />
    );
    return problem ? <Tooltip title={problemText(problem)}>{input}</Tooltip> : input;
  };

  const columns = [
    {
      key: 'product',
      title: t('lines.product'),
      render: (_: unknown, r: EditorRow) =>
        readOnly ? (
          r.product ? <Link to={`/o/product/${encodeURIComponent(r.product)}`}>{r.productLabel ?? r.product}</Link> : null
        ) : (
          <ProductPicker
            book={hasBookField ? (r.price_book ?? book) : book}
            currency={currency}
            value={r.product ? { value: r.product, label: r.productLabel ?? r.product } : null}
            onPick={(o) => void pick(r.key, o)}
            status={problemsOf(r).product ? 'error' : undefined}
          />
        ),
    },
    { key: 'quantity', title: t('lines.quantity'), align: 'right' as const, render: (_: unknown, r: EditorRow) => decimalCell(r, 'quantity', 72) },
    { key: 'unit_price', title: t('lines.unitPrice'), align: 'right' as const, render: (_: unknown, r: EditorRow) => decimalCell(r, 'unit_price', 104) },
    { key: 'discount_percent', title: t('lines.discount'), align: 'right' as const, render: (_: unknown, r: EditorRow) => decimalCell(r, 'discount_percent', 64) },
    { key: 'tax_rate', title: t('lines.taxRate'), align: 'right' as const, render: (_: unknown, r: EditorRow) => decimalCell(r, 'tax_rate', 64) },
    {
      key: 'line_total',
      title: t('lines.lineTotal'),
      align: 'right' as const,
      render: (_: unknown, r: EditorRow) => (
        <span className="ky-num" data-testid="line-total">
          {formatMoney(lineAmounts(r).line_total, currency)}
        </span>
      ),
    },
    ...(readOnly
      ? []
      : [
          {
            key: 'remove',
            title: '',
            width: 40,
            render: (_: unknown, r: EditorRow) => (
              <Button
                size="small"
                type="text"
                danger
                icon={<DeleteOutlined />}
                aria-label={t('lines.remove')}
                onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
                data-testid="line-remove"
              />
            ),
          },
        ]),
  ];

  return (
    <div className="ky-lines" data-testid="line-items">
      {readOnly && linesReadOnly(parent.name, record) && <Alert type="info" showIcon message={t('lines.readOnly')} style={{ marginBottom: 12 }} data-testid="lines-readonly" />}
      {!readOnly && !book && getObject('price_book') && parent.name === 'quote' && <Alert type="warning" showIcon message={t('lines.noBook')} style={{ marginBottom: 12 }} />}
      <Table<EditorRow>
        rowKey="key"
        size="small"
        pagination={false}
        dataSource={rows}
        columns={columns}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty description={t('lines.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} /> }}
        onRow={(r) => ({ 'data-testid': `line-row-${rows.indexOf(r)}` }) as React.HTMLAttributes<HTMLElement>}
      />
      <div className="ky-lines-foot">
        {!readOnly && (
          <Space wrap>
            <Button icon={<PlusOutlined />} onClick={addRow} data-testid="line-add">
              {t('lines.add')}
            </Button>
            <Button type="primary" onClick={() => void save()} loading={saving} disabled={!dirty} data-testid="lines-save">
              {t('lines.save')}
            </Button>
            {dirty && (
              <Button
                onClick={() => {
                  setRows(saved);
                  setTried(false);
                  setSaveErrors([]);
                }}
              >
                {t('lines.discard')}
              </Button>
            )}
          </Space>
        )}
        <dl className="ky-lines-totals" data-testid="lines-totals">
          <div>
            <dt>{t('lines.subtotal')}</dt>
            <dd data-testid="lines-subtotal">{formatMoney(sums.subtotal, currency)}</dd>
          </div>
          {sums.discount !== '0.00' && (
            <div>
              <dt>{t('lines.discountTotal')}</dt>
              <dd data-testid="lines-discount">{formatMoney(sums.discount, currency)}</dd>
            </div>
          )}
          <div>
            <dt>{t('lines.tax')}</dt>
            <dd data-testid="lines-tax">{formatMoney(sums.tax, currency)}</dd>
          </div>
          <div className="ky-lines-grand">
            <dt>{t('lines.grandTotal')}</dt>
            <dd data-testid="lines-grand-total">{formatMoney(sums.grand_total, currency)}</dd>
          </div>
        </dl>
      </div>
      {saveErrors.length > 0 && (
        <Alert
          type="error"
          showIcon
          data-testid="lines-errors"
          message={
            <>
              {saveErrors.map((e, i) => (
                <Typography.Text key={i} style={{ display: 'block' }}>
                  {e}
                </Typography.Text>
              ))}
            </>
          }
        />
      )}
    </div>
  );
}
