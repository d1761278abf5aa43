import {
  CalendarOutlined,
  CarOutlined,
  CheckSquareOutlined,
  FileTextOutlined,
  MailOutlined,
  PhoneOutlined,
  ScheduleOutlined,
} from '@ant-design/icons';
import { App, Button, DatePicker, Empty, Form, Input, Segmented, Select, Skeleton } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo, useState, type ComponentType } from 'react';
import { api } from '../api/endpoints';
import type { ObjectMeta, RecordData } from '../api/types';
import { PicklistDisplay } from '../fields/display';
import { LookupSelect, type LookupValue } from '../fields/LookupSelect';
import { optionLabel } from '../fields/text';
import { useI18n, type MessageKey } from '../i18n';
import { getField } from '../lib/fields';
import { formatDate, formatDateTime, formatRelative } from '../lib/format';
import { activityLink, contactScope, TIMED_TYPES, timelineFilter } from '../lib/timeline';
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

interface ComposerValues {
  subject: string;
  description?: string;
  due_date?: Dayjs | null;
  start_at?: Dayjs | null;
  contact?: string | LookupValue | null;
}

/** The account's contacts to pick from (accounts have a handful), or a type-ahead over all. */
function ContactPicker({ accountId, value, onChange }: { accountId: string | null; value?: string | LookupValue | null; onChange?: (v: string | LookupValue | null) => void }) {
  const { t } = useI18n();
  const { getObject } = useMetadata();
  const contact = getObject('contact');
  const scopeField = activityLink(contact, 'account');
  const [options, setOptions] = useState<{ value: string; label: string }[] | null>(null);
  const scoped = !!(accountId && contact && scopeField);
  useEffect(() => {
    if (!scoped || !contact || !scopeField || !accountId) return;
    const ctrl = new AbortController();
    const name = contact.name_field ?? 'name';
    api
      .query(contact.name, { filter: { field: scopeField, op: 'eq', value: accountId }, fields: ['id', name], sort: [{ field: name, direction: 'asc' }], limit: 100 }, ctrl.signal)
      .then((page) => setOptions(page.records.map((r) => ({ value: r.id, label: String(r[name] ?? r.id) }))))
      .catch(() => {
        if (!ctrl.signal.aborted) setOptions([]);
      });
    return () => ctrl.abort();
  }, [scoped, contact, scopeField, accountId]);
  if (!contact) return null;
  if (scoped) {
    return (
      <Select
        size="small"
        allowClear
        showSearch
        optionFilterProp="label"
        placeholder={t('timeline.contact')}
        loading={options === null}
        options={options ?? []}
        value={typeof value === 'string' ? value : undefined}
        onChange={(v) => onChange?.(v ?? null)}
        className="ky-composer-contact"
        data-testid="composer-contact"
      />
    );
  }
  return (
    <LookupSelect
      target={contact.name}
      value={value && typeof value === 'object' ? value : null}
      onChange={(v) => onChange?.(v)}
      allowClear
      placeholder={t('timeline.contact')}
      className="ky-composer-contact"
    />
  );
}

function Composer({
  activity,
  object,
  recordId,
  accountId,
  onCreated,
}: {
  activity: ObjectMeta;
  object: string;
  recordId: string;
  accountId: string | null;
  onCreated: (r: RecordData) => void;
}) {
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
  const hasWhen = !!getField(activity, 'start_at');
  // Naming a contact: not on a contact's own page (the record is the contact).
  const hasContact = getField(activity, 'contact')?.target === 'contact' && object !== 'contact';
  const timed = hasWhen && TIMED_TYPES.has(type);

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
      if (hasDue && type === 'task' && v.due_date) payload.due_date = v.due_date.format('YYYY-MM-DD');
      // When the call or visit happened: what the user picked, else the moment of saving (the
      // picker's "now" was when the page opened). Done is the server's default for these types.
      const when = form.isFieldTouched('start_at') ? v.start_at : dayjs();
      if (timed && when) payload.start_at = when.toISOString();
      const contact = typeof v.contact === 'string' ? v.contact : v.contact?.value;
      if (hasContact && contact) payload.contact = contact;
      const created = await api.create(activity.name, payload);
      form.resetFields();
      form.setFieldsValue({ start_at: dayjs() });
      message.success(t('timeline.saved'));
      onCreated(created);
    } catch (e) {
      setError(errorBanner(e, applyFieldErrors(form, e, ['subject', 'description', 'due_date', 'start_at', 'contact']), t).join(' '));
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
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => void submit(v)}
        className="ky-composer-form"
        requiredMark={false}
        initialValues={{ start_at: dayjs() }}
      >
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
          ) : timed ? (
            <Form.Item name="start_at" className="ky-composer-item" noStyle rules={[{ required: true, message: t('timeline.whenRequired') }]}>
              <DatePicker
                showTime={{ format: 'HH:mm' }}
                format="YYYY-MM-DD HH:mm"
                placeholder={t('timeline.when')}
                aria-label={t('timeline.when')}
                size="small"
                allowClear={false}
                data-testid="composer-when"
              />
            </Form.Item>
          ) : (
            <span />
          )}
          {hasContact && (
            <Form.Item name="contact" className="ky-composer-item" noStyle>
              <ContactPicker accountId={accountId} />
            </Form.Item>
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
  const contact = rec.contact ? (rec._display?.contact ?? null) : null;
  // When it happened (a call's or visit's own time), else when it was logged.
  const when = rec.start_at ?? rec.created_at;
  return (
    <li className="ky-tl-item">
      <span className="ky-tl-icon" style={{ background: `${TYPE_COLORS[type] ?? '#8a93a6'}1a`, color: TYPE_COLORS[type] ?? '#8a93a6' }}>
        <Icon />
      </span>
      <div className="ky-tl-body">
        <div className="ky-tl-head">
          <span className="ky-tl-subject">{String(rec.subject ?? '') || t('record.untitled')}</span>
          <span className="ky-tl-time" title={formatDateTime(when, fmt)} data-testid="timeline-when">
            {formatRelative(when, fmt)}
          </span>
        </div>
        <div className="ky-tl-meta">
          {typeField && <span>{optionLabel(typeField, type, lang)}</span>}
          {who && <span>· {who}</span>}
          {contact && <span>· {t('timeline.with', { name: contact })}</span>}
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

/**
 * A record's activities with a form to log one. `refreshKey` changes when something else on the
 * page created related records (it reloads the list); `onLogged` tells the page an activity was
 * logged here, so its tab counts follow.
 */
export function Timeline({
  object,
  recordId,
  record,
  refreshKey = 0,
  onLogged,
}: {
  object: ObjectMeta;
  recordId: string;
  record?: RecordData | null;
  refreshKey?: number;
  onLogged?: () => void;
}) {
  const { t } = useI18n();
  const { getObject } = useMetadata();
  const meta = getObject('activity');
  const body = useMemo(
    () => ({ filter: timelineFilter(meta, object.name, recordId), sort: [{ field: 'created_at', direction: 'desc' as const }], limit: 30 }),
    [meta, object.name, recordId],
  );
  const list = useRecordList(meta ? meta.name : undefined, meta ? body : null, `${JSON.stringify(body)}#${refreshKey}`);
  const accountId = contactScope(object, recordId, record);

  if (!meta) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('timeline.unavailable')} />;

  return (
    <div className="ky-timeline" data-testid="timeline">
      <Composer
        activity={meta}
        object={object.name}
        recordId={recordId}
        accountId={accountId}
        onCreated={(r) => {
          list.prepend(r);
          onLogged?.();
        }}
      />
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
