import { CloseOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, DatePicker, Input, InputNumber, Select, Space } from 'antd';
import dayjs from 'dayjs';
import type { FieldMeta, ObjectMeta } from '../api/types';
import { GuardedInputNumber, GuardedNumberRange } from '../fields/numberGuard';
import { useI18n, type TFunction } from '../i18n';
import { LookupSelect, type LookupValue } from '../fields/LookupSelect';
import { optionLabel } from '../fields/text';
import { isSystemField } from '../lib/fields';
import {
  isRelativeDate,
  newCondition,
  operatorsFor,
  RELATIVE_N,
  RELATIVE_PERIODS,
  valueKind,
  type Condition,
  type FilterState,
  type UiOp,
} from '../lib/filter';
import type { Lang } from '../api/types';

/** Fields offered in the builder: business fields then owner and the timestamps. */
export function filterableFields(obj: ObjectMeta): FieldMeta[] {
  const business = obj.fields.filter((f) => !isSystemField(f));
  const system = ['owner_id', 'created_at', 'updated_at', 'created_by', 'updated_by']
    .map((n) => obj.fields.find((f) => f.name === n))
    .filter((f): f is FieldMeta => !!f);
  return [...business, ...system];
}

function RelativeInput({ value, onChange, t }: { value: unknown; onChange: (v: unknown) => void; t: TFunction }) {
  const str = typeof value === 'string' ? value : '';
  const m = /^(last_n_days|next_n_days):(\d+)$/.exec(str);
  const base = m ? m[1] : str || undefined;
  const n = m ? Number(m[2]) : 30;
  return (
    <Space.Compact className="ky-fullwidth">
      <Select
        className="ky-fullwidth"
        value={base}
        placeholder={t('filter.relative')}
        onChange={(v: string) => onChange((RELATIVE_N as readonly string[]).includes(v) ? `${v}:${n}` : v)}
        options={[...RELATIVE_PERIODS, ...RELATIVE_N].map((k) => ({ value: k, label: t(`rel.${k}`) }))}
        data-testid="filter-relative"
      />
      {m && (
        <>
          <InputNumber min={1} max={3650} value={n} onChange={(v) => onChange(`${m[1]}:${v ?? 1}`)} style={{ width: 90 }} aria-label={t('filter.days')} />
          <Space.Addon>{t('filter.days')}</Space.Addon>
        </>
      )}
    </Space.Compact>
  );
}

export function ValueInput({ field, cond, onChange }: { field: FieldMeta; cond: Condition; onChange: (v: unknown) => void }) {
  const { t, label } = useI18n();
  const kind = valueKind(field, cond.op);
  const v = cond.value;
  const options = (field.options ?? []).map((o) => ({ value: o.value, label: label(o.labels, o.value) }));
  switch (kind) {
    case 'none':
      return null;
    case 'number':
      return <GuardedInputNumber className="ky-fullwidth" value={(v as number) ?? null} onChange={(x) => onChange(x ?? undefined)} />;
    case 'number_range': {
      const [a, b] = Array.isArray(v) ? (v as (number | null)[]) : [null, null];
      return <GuardedNumberRange value={[a ?? null, b ?? null]} onChange={onChange} placeholders={[t('filter.from'), t('filter.to')]} />;
    }
    case 'date':
      return (
        <DatePicker
          className="ky-fullwidth"
          value={typeof v === 'string' && !isRelativeDate(v) ? dayjs(v) : null}
          onChange={(d) => onChange(d ? d.format('YYYY-MM-DD') : undefined)}
        />
      );
    case 'date_range': {
      const [a, b] = Array.isArray(v) ? (v as string[]) : [];
      return (
        <DatePicker.RangePicker
          className="ky-fullwidth"
          value={a && b ? [dayjs(a), dayjs(b)] : null}
          onChange={(r) => onChange(r && r[0] && r[1] ? [r[0].format('YYYY-MM-DD'), r[1].format('YYYY-MM-DD')] : undefined)}
        />
      );
    }
    case 'relative':
      return <RelativeInput value={v} onChange={onChange} t={t} />;
    case 'option':
      return <Select className="ky-fullwidth" value={(v as string) ?? undefined} onChange={onChange} options={options} showSearch optionFilterProp="label" />;
    case 'options':
      return (
        <Select
          className="ky-fullwidth"
          mode="multiple"
          value={Array.isArray(v) ? (v as string[]) : v ? [v as string] : []}
          onChange={onChange}
          options={options}
          optionFilterProp="label"
          maxTagCount="responsive"
        />
      );
    case 'reference':
    case 'references':
      return (
        <LookupSelect
          target={field.target ?? ''}
          multiple
          value={Array.isArray(v) ? (v as LookupValue[]) : v ? [v as LookupValue] : []}
          onChange={(x) => onChange(x ? [x] : undefined)}
          onChangeMany={(x) => onChange(x.length ? x : undefined)}
        />
      );
    default:
      return <Input value={(v as string) ?? ''} onChange={(e) => onChange(e.target.value)} allowClear />;
  }
}

interface Props {
  object: ObjectMeta;
  value: FilterState;
  onChange: (v: FilterState) => void;
}

export function FilterBuilder({ object, value, onChange }: Props) {
  const { t, label } = useI18n();
  const fields = filterableFields(object);
  const byName = new Map(fields.map((f) => [f.name, f]));

  const update = (id: string, patch: Partial<Condition>) =>
    onChange({ ...value, conditions: value.conditions.map((c) => (c.id === id ? { ...c, ...patch } : c)) });
  const remove = (id: string) => onChange({ ...value, conditions: value.conditions.filter((c) => c.id !== id) });
  const add = () => {
    const first = fields.find((f) => f.name !== object.name_field) ?? fields[0];
    if (first) onChange({ ...value, conditions: [...value.conditions, newCondition(first)] });
  };

  return (
    <div className="ky-filter" data-testid="filter-builder">
      {value.conditions.length === 0 && <div className="ky-filter-empty">{t('filter.noConditions')}</div>}
      {value.conditions.map((c, i) => {
        const field = byName.get(c.field);
        return (
          <div className="ky-filter-row" key={c.id}>
            <div className="ky-filter-conj">
              {i === 0 ? (
                t('filter.where')
              ) : i === 1 ? (
                <Select
                  size="small"
                  value={value.match}
                  onChange={(m) => onChange({ ...value, match: m })}
                  options={[
                    { value: 'and', label: t('filter.and') },
                    { value: 'or', label: t('filter.or') },
                  ]}
                  popupMatchSelectWidth={false}
                  aria-label={t('filter.match')}
                />
              ) : (
                t(value.match === 'or' ? 'filter.or' : 'filter.and')
              )}
            </div>
            <Select
              className="ky-filter-field"
              value={c.field}
              showSearch
              optionFilterProp="label"
              aria-label={t('filter.field')}
              onChange={(name: string) => {
                const f = byName.get(name);
                if (f) update(c.id, { field: name, op: operatorsFor(f)[0], value: undefined });
              }}
              options={fields.map((f) => ({ value: f.name, label: label(f.labels, f.name) }))}
            />
            <Select
              className="ky-filter-op"
              value={c.op}
              aria-label={t('filter.operator')}
              onChange={(op: UiOp) => {
                const keep = field && valueKind(field, op) === valueKind(field, c.op);
                update(c.id, { op, value: keep ? c.value : undefined });
              }}
              options={(field ? operatorsFor(field) : []).map((op) => ({ value: op, label: t(`op.${op}`) }))}
              popupMatchSelectWidth={false}
            />
            <div className="ky-filter-value">{field && <ValueInput field={field} cond={c} onChange={(v) => update(c.id, { value: v })} />}</div>
            <Button type="text" icon={<CloseOutlined />} onClick={() => remove(c.id)} aria-label={t('filter.remove')} />
          </div>
        );
      })}
      <Button type="dashed" icon={<PlusOutlined />} onClick={add} className="ky-filter-add" data-testid="filter-add">
        {t('filter.add')}
      </Button>
    </div>
  );
}

/** Short human text of a condition for the chips above the list. */
export function describeCondition(c: Condition, field: FieldMeta | undefined, t: TFunction, lang: Lang, labelOf: (f: FieldMeta) => string): string {
  if (!field) return c.field;
  const name = labelOf(field);
  const op = t(`op.${c.op}`);
  const kind = valueKind(field, c.op);
  if (kind === 'none') return `${name} ${op}`;
  const one = (v: unknown): string => {
    if (v && typeof v === 'object' && 'label' in (v as Record<string, unknown>)) return String((v as LookupValue).label);
    if (isRelativeDate(v)) {
      const m = /^(last_n_days|next_n_days):(\d+)$/.exec(v);
      return m ? t(`rel.${m[1] as 'last_n_days'}.n` as 'rel.last_n_days.n', { n: m[2] }) : t(`rel.${v}` as 'rel.today');
    }
    if (field.options) return optionLabel(field, v, lang);
    return String(v);
  };
  const v = c.value;
  let text: string;
  if (c.op === 'between' && Array.isArray(v)) text = `${one(v[0])} – ${one(v[1])}`;
  else if (Array.isArray(v)) text = v.map(one).join(', ');
  else text = one(v);
  return `${name} ${op} ${text}`;
}
