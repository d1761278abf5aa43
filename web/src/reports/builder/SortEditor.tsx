/** The report's order: by a grouping or a value, level by level (grouped reports), or by the
 * records' fields (tabular). */
import { CloseOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Form, Select, Space } from 'antd';
import { useI18n } from '../../i18n';
import type { ReportSort } from '../api';
import { MAX_SORT } from '../definition';
import { at, type Errors } from './errors';

interface Props {
  items: ReportSort[];
  /** What may be sorted by, labelled. */
  keys: { value: string; label: string }[];
  errors: Errors;
  onChange: (items: ReportSort[]) => void;
}

export function SortEditor({ items, keys, errors, onChange }: Props) {
  const { t } = useI18n();
  const set = (i: number, s: ReportSort) => onChange(items.map((x, j) => (j === i ? s : x)));
  const add = () => {
    const used = new Set(items.map((s) => s.key));
    const next = keys.find((k) => !used.has(k.value));
    if (next) onChange([...items, { key: next.value, direction: 'asc' }]);
  };
  return (
    <Form.Item label={t('reports.builder.sort')} {...at(errors, 'sort')} className="ky-builder-item">
      <div className="ky-builder-list" data-testid="builder-sort">
        {items.map((s, i) => {
          const err = at(errors, `sort.${i}`, true);
          return (
            <Form.Item key={i} {...err} className="ky-builder-row">
              <Space.Compact className="ky-fullwidth">
                <Select className="ky-fullwidth" showSearch optionFilterProp="label" value={s.key} onChange={(key: string) => set(i, { ...s, key })} options={keys} status={err.validateStatus} aria-label={t('reports.builder.sortBy')} popupMatchSelectWidth={false} />
                <Select
                  value={s.direction ?? 'asc'}
                  onChange={(direction: 'asc' | 'desc') => set(i, { ...s, direction })}
                  options={[
                    { value: 'asc', label: t('reports.builder.asc') },
                    { value: 'desc', label: t('reports.builder.desc') },
                  ]}
                  style={{ width: 110 }}
                  aria-label={t('reports.builder.direction')}
                />
                <Button icon={<CloseOutlined />} onClick={() => onChange(items.filter((_, j) => j !== i))} aria-label={t('reports.builder.remove')} />
              </Space.Compact>
            </Form.Item>
          );
        })}
        <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={add} disabled={items.length >= MAX_SORT || items.length >= keys.length} data-testid="builder-sort-add">
          {t('reports.builder.addSort')}
        </Button>
      </div>
    </Form.Item>
  );
}
