import {
  CalendarOutlined,
  CarOutlined,
  CheckSquareOutlined,
  FileTextOutlined,
  MailOutlined,
  PhoneOutlined,
  ScheduleOutlined,
} from '@ant-design/icons';
import { App, Button, DatePicker, Empty, Form, Input, Segmented, Skeleton } from 'antd';
import type { Dayjs } from 'dayjs';
import { useMemo, useState, type ComponentType } from 'react';
import { api } from '../api/endpoints';
import type { FilterNode, ObjectMeta, RecordData } from '../api/types';
import { PicklistDisplay } from '../fields/display';
import { optionLabel } from '../fields/text';
import { useI18n, type MessageKey } from '../i18n';
import { getField } from '../lib/fields';
import { formatDate, formatRelative } from '../lib/format';
import { useRecordList } from '../lib/useRecordList';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';
import { applyFieldErrors, errorBanner } from './recordForm';

const TYPE_ICONS: Record<string, ComponentType> = {
  call: PhoneOutlined,
  visit: CarOutlined,
  note: FileTextOutlined,
  task: CheckSquareOutlined,
  email: MailOutlined,
};
const TYPE_COLORS: Record<string, string> = {
  call: '#0f9d76',
  visit: '#e8590c',
  note: '#7048e8',
  task: '#3358d4',
  email: '#1098ad',
};
const COMPOSER_TYPES = ['call', 'visit', 'note', 'task', 'email'] as const;

/** Activities linked to a record (polymorphic related_object + related_id). */
export function timelineFilter(object: string, id: string): FilterNode {
  return {
    and: [
      { field: 'related_object', op: 'eq', value: object },
      { field: 'related_id', op: 'eq', value: id },
    ],
  };
}

interface ComposerValues {
  subject: string;
  description?: string;
  due_date?: Dayjs | null;
}

function Composer({ activity, object, recordId, onCreated }: { activity: ObjectMeta; object: string; recordId: string; onCreated: (r: RecordData) => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ComposerValues>();
  const typeField = getField(activity, 'type');
  const available = COMPOSER_TYPES.filter((k) => !typeField?.options || typeField.options.some((o) => o.value === k));
  const [type, setType] = useState<string>(available[0] ?? 'note');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hasDue = !!getField(activity, 'due_date');
  const hasDescription = !!getField(activity, 'description');

  const submit = async (v: ComposerValues) => {
    setSaving(true);
    setError(null);
    try {
      const payload: Record<string, unknown> = {
        subject: v.subject.trim(),
        related_object: object,
        related_id: recordId,
      };
      if (typeField) payload.type = type;
      if (hasDescription && v.description?.trim()) payload.description = v.description.trim();
      if (hasDue && v.due_date) payload.due_date = v.due_date.format('YYYY-MM-DD');
      const created = await api.create(activity.name, payload);
      form.resetFields();
      message.success(t('timeline.saved'));
      onCreated(created);
    } catch (e) {
      setError(errorBanner(e, applyFieldErrors(form, e, ['subject', 'description', 'due_date']), t).join(' '));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="ky-composer">
      <Segmented
        size="small"
        value={type}
        onChange={(v) => setType(String(v))}
        options={available.map((k) => {
          const Icon = TYPE_ICONS[k];
          return {
            value: k,
            label: (
              <span className="ky-seg" title={typeField ? optionLabel(typeField, k, lang) : k}>
                <Icon />
                {k === type && <span>{typeField ? optionLabel(typeField, k, lang) : k}</span>}
              </span>
            ),
          };
        })}
        data-testid="composer-type"
      />
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} className="ky-composer-form" requiredMark={false}>
        <Form.Item name="subject" rules={[{ required: true, whitespace: true, message: t('timeline.subjectRequired') }]} className="ky-composer-item">
          <Input placeholder={t(`timeline.log.${type}` as MessageKey)} maxLength={200} data-testid="composer-subject" />
        </Form.Item>
        {hasDescription && (
          <Form.Item name="description" className="ky-composer-item">
            <Input.TextArea placeholder={t('timeline.description')} autoSize={{ minRows: 2, maxRows: 6 }} />
          </Form.Item>
        )}
        <div className="ky-composer-foot">
          {hasDue && type === 'task' ? (
            <Form.Item name="due_date" className="ky-composer-item" noStyle>
              <DatePicker placeholder={t('timeline.dueDate')} size="small" />
            </Form.Item>
          ) : (
            <span />
          )}
          <Button type="primary" htmlType="submit" loading={saving} size="small" data-testid="composer-save">
            {t('timeline.submit')}
          </Button>
        </div>
        {error && <div className="ky-composer-error">{error}</div>}
      </Form>
    </div>
  );
}

function TimelineItem({ activity, rec }: { activity: ObjectMeta; rec: RecordData }) {
  const { t, lang } = useI18n();
  const fmt = useFormatSettings();
  const type = String(rec.type ?? 'note');
  const Icon = TYPE_ICONS[type] ?? ScheduleOutlined;
  const typeField = getField(activity, 'type');
  const statusField = getField(activity, 'status');
  const who = rec._display?.owner_id ?? rec._display?.created_by ?? null;
  return (
    <li className="ky-tl-item">
      <span className="ky-tl-icon" style={{ background: `${TYPE_COLORS[type] ?? '#8a93a6'}1a`, color: TYPE_COLORS[type] ?? '#8a93a6' }}>
        <Icon />
      </span>
      <div className="ky-tl-body">
        <div className="ky-tl-head">
          <span className="ky-tl-subject">{String(rec.subject ?? '') || t('record.untitled')}</span>
          <span className="ky-tl-time" title={String(rec.created_at ?? '')}>
            {formatRelative(rec.created_at, fmt)}
          </span>
        </div>
        <div className="ky-tl-meta">
          {typeField && <span>{optionLabel(typeField, type, lang)}</span>}
          {who && <span>· {who}</span>}
          {rec.due_date ? (
            <span>
              · <CalendarOutlined /> {t('timeline.due', { date: formatDate(rec.due_date, fmt) })}
            </span>
          ) : null}
          {statusField && rec.status ? <PicklistDisplay field={statusField} value={rec.status} fmt={fmt} lang={lang} /> : null}
        </div>
        {rec.description ? <div className="ky-tl-desc">{String(rec.description)}</div> : null}
      </div>
    </li>
  );
}

export function Timeline({ object, recordId }: { object: string; recordId: string }) {
  const { t } = useI18n();
  const { getObject } = useMetadata();
  const meta = getObject('activity');
  const body = useMemo(
    () => ({ filter: timelineFilter(object, recordId), sort: [{ field: 'created_at', direction: 'desc' as const }], limit: 30 }),
    [object, recordId],
  );
  const list = useRecordList(meta ? meta.name : undefined, meta ? body : null, JSON.stringify(body));

  if (!meta) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('timeline.unavailable')} />;

  return (
    <div className="ky-timeline" data-testid="timeline">
      <Composer activity={meta} object={object} recordId={recordId} onCreated={(r) => list.prepend(r)} />
      {list.loading ? (
        <Skeleton active avatar paragraph={{ rows: 2 }} />
      ) : list.records.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('timeline.empty')} />
      ) : (
        <ul className="ky-tl">
          {list.records.map((r) => (
            <TimelineItem key={r.id} activity={meta} rec={r} />
          ))}
        </ul>
      )}
      {list.nextCursor && (
        <Button block type="link" onClick={list.loadMore} loading={list.loadingMore}>
          {t('common.loadMore')}
        </Button>
      )}
    </div>
  );
}
