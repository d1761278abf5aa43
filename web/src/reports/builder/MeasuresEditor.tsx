/** What each group computes: count, sum, average, minimum, maximum or distinct count of a
 * field, and optionally each group's share of the total. */
import { CloseOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Checkbox, Form, Select, Space } from 'antd';
import { useI18n } from '../../i18n';
import { AGGREGATE_OPS, type AggregateOp, type Measure } from '../api';
import { fieldsFor, MAX_AGGREGATES, type FieldChoice } from '../definition';
import { at, type Errors } from './errors';
import { FieldPicker } from './FieldPicker';

interface Props {
  items: Measure[];
  choices: FieldChoice[];
  /** Shares of the total exist where there are groups. */
  grouped: boolean;
  errors: Errors;
  onChange: (items: Measure[]) => void;
}

export function MeasuresEditor({ items, choices, grouped, errors, onChange }: Props) {
  const { t } = useI18n();
  const set = (i: number, m: Measure) => onChange(items.map((x, j) => (j === i ? m : x)));
  const changeOp = (i: number, op: AggregateOp) => {
    const m = items[i];
    if (op === 'count') return set(i, { op, ...(m.percent_of_total ? { percent_of_total: true } : {}) });
    const fits = fieldsFor(op, choices);
    // Keep the field when the new operation takes it, else offer the first one that fits.
    const field = fits.some((c) => c.path === m.field) ? m.field : fits[0]?.path;
    set(i, { ...m, op, field });
  };
  return (
    <Form.Item label={t('reports.builder.values')} {...at(errors, 'aggregates')} className="ky-builder-item">
      <div className="ky-builder-list" data-testid="builder-aggregates">
        {items.map((m, i) => {
          const err = at(errors, `aggregates.${i}`, true);
          return (
            <Form.Item key={i} {...err} className="ky-builder-row" data-testid={`builder-aggregates-${i}`}>
              <Space.Compact className="ky-fullwidth">
                <Select<AggregateOp>
                  value={m.op}
                  onChange={(op) => changeOp(i, op)}
                  options={AGGREGATE_OPS.map((op) => ({ value: op, label: t(`reports.op.${op}`) }))}
                  style={{ width: 130 }}
                  aria-label={t('reports.builder.op')}
                  data-testid={`builder-aggregates-${i}-op`}
                  popupMatchSelectWidth={false}
                />
                {m.op !== 'count' && (
                  <FieldPicker choices={fieldsFor(m.op, choices)} value={m.field} onChange={(field) => set(i, { ...m, field })} status={err.validateStatus} testid={`builder-aggregates-${i}-field`} />
                )}
                <Button icon={<CloseOutlined />} onClick={() => onChange(items.filter((_, j) => j !== i))} disabled={items.length === 1} aria-label={t('reports.builder.remove')} />
              </Space.Compact>
              {grouped && (
                <Checkbox
                  checked={!!m.percent_of_total}
                  onChange={(e) => set(i, { ...m, percent_of_total: e.target.checked || undefined })}
                  className="ky-builder-percent"
                  data-testid={`builder-aggregates-${i}-percent`}
                >
                  {t('reports.builder.percentOfTotal')}
                </Checkbox>
              )}
            </Form.Item>
          );
        })}
        <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => onChange([...items, { op: 'count' }])} disabled={items.length >= MAX_AGGREGATES} data-testid="builder-aggregates-add">
          {t('reports.builder.addValue')}
        </Button>
      </div>
    </Form.Item>
  );
}
