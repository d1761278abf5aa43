/** Row or column groupings: a field each (a lookup path allowed) and, for dates, its bucket. */
import { CloseOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Form, Select, Space } from 'antd';
import type { FieldMeta } from '../../api/types';
import { useI18n } from '../../i18n';
import type { Bucket, Grouping } from '../api';
import { DATE_BUCKETS, isDateField, type FieldChoice } from '../definition';
import { at, type Errors } from './errors';
import { FieldPicker } from './FieldPicker';

interface Props {
  label: string;
  /** `group_by` or `column_group_by`: where the server's errors point. */
  path: string;
  items: Grouping[];
  max: number;
  choices: FieldChoice[];
  resolve: (path: string) => FieldMeta | undefined;
  errors: Errors;
  onChange: (items: Grouping[]) => void;
}

export function GroupingsEditor({ label, path, items, max, choices, resolve, errors, onChange }: Props) {
  const { t } = useI18n();
  const set = (i: number, g: Grouping) => onChange(items.map((x, j) => (j === i ? g : x)));
  const pick = (i: number, field: string) => set(i, isDateField(resolve(field)) ? { field, bucket: items[i]?.bucket ?? 'month' } : { field });
  const add = () => {
    const used = new Set(items.map((g) => g.field));
    const next = choices.find((c) => !used.has(c.path) && !c.via) ?? choices.find((c) => !used.has(c.path));
    if (next) onChange([...items, isDateField(next.field) ? { field: next.path, bucket: 'month' } : { field: next.path }]);
  };
  return (
    <Form.Item label={label} {...at(errors, path)} className="ky-builder-item">
      <div className="ky-builder-list" data-testid={`builder-${path}`}>
        {items.map((g, i) => {
          const err = at(errors, `${path}.${i}`, true);
          return (
            <Form.Item key={i} {...err} className="ky-builder-row" data-testid={`builder-${path}-${i}`}>
              <Space.Compact className="ky-fullwidth">
                <FieldPicker choices={choices} value={g.field} onChange={(f) => pick(i, f)} status={err.validateStatus} ariaLabel={`${label} ${i + 1}`} testid={`builder-${path}-${i}-field`} />
                {isDateField(resolve(g.field)) && (
                  <Select<Bucket>
                    value={g.bucket ?? undefined}
                    onChange={(bucket) => set(i, { field: g.field, bucket })}
                    options={DATE_BUCKETS.map((b) => ({ value: b, label: t(`reports.bucket.${b}`) }))}
                    style={{ width: 130 }}
                    aria-label={t('reports.builder.bucket')}
                    data-testid={`builder-${path}-${i}-bucket`}
                    popupMatchSelectWidth={false}
                  />
                )}
                <Button icon={<CloseOutlined />} onClick={() => onChange(items.filter((_, j) => j !== i))} aria-label={t('reports.builder.remove')} />
              </Space.Compact>
            </Form.Item>
          );
        })}
        <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={add} disabled={items.length >= max} data-testid={`builder-${path}-add`}>
          {items.length >= max ? t('reports.builder.atMost', { max }) : t('reports.builder.addGrouping')}
        </Button>
      </div>
    </Form.Item>
  );
}
