import { DownOutlined, EditOutlined, ExclamationCircleFilled, RightOutlined } from '@ant-design/icons';
import { Alert, App, Button, Col, Form, Grid, Row, Space } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import type { FieldMeta, ObjectMeta, RecordData } from '../api/types';
import { FieldDisplay, specFor } from '../fields/registry';
import { useI18n } from '../i18n';
import { getField, isEditable } from '../lib/fields';
import { formatDateTime } from '../lib/format';
import { recordSections } from '../lib/layout';
import { useFormatSettings } from '../state/session';
import { RecordForm } from './RecordForm';
import { applyFieldErrors, dirtyFields, errorBanner, formFields, toFormValues, toPayload } from './recordForm';

interface Props {
  object: ObjectMeta;
  record: RecordData;
  onSaved: (r: RecordData) => void;
  editing: boolean;
  setEditing: (v: boolean) => void;
  /** May the user edit (object permission)? */
  canEdit?: boolean;
}

/** Read mode: the layout's sections; collapsed ones open on click. */
function ReadSections({ object, record, onEdit }: { object: ObjectMeta; record: RecordData; onEdit?: (f: string) => void }) {
  const { t, label } = useI18n();
  const sections = recordSections(
    object,
    formFields(object, 'edit').filter((f) => f.name !== 'owner_id'),
  );
  const [open, setOpen] = useState<Set<string>>(() => new Set(sections.filter((s) => !s.collapsed).map((s) => s.key)));
  return (
    <>
      {sections.map((s) => {
        const isOpen = open.has(s.key) || sections.length === 1;
        return (
          <div key={s.key} className="ky-form-section">
            {sections.length > 1 && (
              <button
                type="button"
                className="ky-section-title ky-section-toggle"
                aria-expanded={isOpen}
                onClick={() =>
                  setOpen((prev) => {
                    const next = new Set(prev);
                    if (next.has(s.key)) next.delete(s.key);
                    else next.add(s.key);
                    return next;
                  })
                }
              >
                {isOpen ? <DownOutlined /> : <RightOutlined />} {s.labels ? label(s.labels) : t('record.details')}
              </button>
            )}
            {isOpen && <ReadGrid record={record} fields={s.fields} columns={s.columns} onEdit={onEdit} />}
          </div>
        );
      })}
    </>
  );
}

function ReadGrid({ record, fields, columns, onEdit }: { record: RecordData; fields: FieldMeta[]; columns: number; onEdit?: (f: string) => void }) {
  const { label } = useI18n();
  return (
    <Row gutter={[24, 0]} className="ky-readgrid">
      {fields.map((f) => {
        const editable = isEditable(f, 'edit');
        return (
          <Col key={f.name} xs={24} md={specFor(f).wide ? 24 : 24 / columns}>
            <div
              className={`ky-readfield${editable && onEdit ? ' is-editable' : ''}`}
              onDoubleClick={editable && onEdit ? () => onEdit(f.name) : undefined}
              data-field={f.name}
            >
              <div className="ky-readfield-label">{label(f.labels, f.name)}</div>
              <div className="ky-readfield-value">
                <FieldDisplay field={f} record={record} />
                {editable && onEdit && (
                  <button type="button" className="ky-readfield-edit" onClick={() => onEdit(f.name)} aria-label={label(f.labels, f.name)}>
                    <EditOutlined />
                  </button>
                )}
              </div>
            </div>
          </Col>
        );
      })}
    </Row>
  );
}

/** System information: owner, created, modified. */
export function SystemInfo({ object, record }: { object: ObjectMeta; record: RecordData }) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const owner = getField(object, 'owner_id');
  const by = (f: 'created_by' | 'updated_by') => record._display?.[f] ?? (record[f] ? String(record[f]) : t('history.system'));
  return (
    <div className="ky-sysinfo">
      {owner && record.owner_id && (
        <div className="ky-sysinfo-row">
          <span className="ky-readfield-label">{t('record.owner')}</span>
          <FieldDisplay field={owner} record={record} />
        </div>
      )}
      {record.created_at && <div className="ky-sysinfo-line">{t('record.createdBy', { at: formatDateTime(record.created_at, fmt), by: by('created_by') })}</div>}
      {record.updated_at && <div className="ky-sysinfo-line">{t('record.updatedBy', { at: formatDateTime(record.updated_at, fmt), by: by('updated_by') })}</div>}
    </div>
  );
}

/** Details section: read mode grid, or the generic form in edit mode with optimistic-lock handling. */
export function RecordDetails({ object, record, onSaved, editing, setEditing, canEdit = true }: Props) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const screens = Grid.useBreakpoint();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const [stale, setStale] = useState(false);
  const [banner, setBanner] = useState<string[] | null>(null);
  const [focusField, setFocusField] = useState<string | null>(null);
  const fields = formFields(object, 'edit');

  useEffect(() => {
    if (!editing) {
      setStale(false);
      setBanner(null);
    } else {
      // a fresh edit session starts from the record as shown
      form.resetFields();
      form.setFieldsValue(toFormValues(object, record, fmt, 'edit'));
    }
    // Only when editing starts or stops: a record refreshed during an edit must not overwrite
    // what the user typed (the stale-record banner offers the reload instead).
    // eslint-disable-next-line react-hooks/exhaustive-deps -- see above
  }, [editing]);

  useEffect(() => {
    if (editing && focusField) {
      setTimeout(() => {
        const el = document.querySelector<HTMLElement>(`.ky-record-form #${CSS.escape(focusField)}, .ky-record-form [id="${focusField}"]`);
        el?.focus();
      }, 60);
    }
  }, [editing, focusField]);

  const startEdit = (f?: string) => {
    setFocusField(f ?? null);
    setEditing(true);
  };

  const save = async () => {
    setBanner(null);
    let values: Record<string, unknown>;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    const payload = toPayload(object, values, fmt, 'edit', record);
    if (Object.keys(payload).length === 0) {
      setEditing(false);
      return;
    }
    setSaving(true);
    try {
      const updated = await api.update(object.name, record.id, record.version, payload);
      onSaved({ ...updated, _display: { ...(record._display ?? {}), ...(updated._display ?? {}) } });
      setEditing(false);
      setStale(false);
      message.success(t('common.saved'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setStale(true);
      } else {
        setBanner(errorBanner(e, applyFieldErrors(form, e, fields.map((f) => f.name)), t));
      }
    } finally {
      setSaving(false);
    }
  };

  /** 412: load the latest version, keep the user's edited fields on top of it. */
  const reloadKeepingEdits = async () => {
    const current = form.getFieldsValue(true) as Record<string, unknown>;
    const dirty = dirtyFields(object, current, fmt, record);
    try {
      const latest = await api.get(object.name, record.id);
      onSaved(latest);
      const fresh = toFormValues(object, latest, fmt, 'edit');
      for (const k of dirty) fresh[k] = current[k];
      form.setFieldsValue(fresh);
      setStale(false);
      message.info(t('record.staleReloaded'));
    } catch (e) {
      setBanner(errorBanner(e, [], t));
    }
  };

  const discard = async () => {
    try {
      const latest = await api.get(object.name, record.id);
      onSaved(latest);
    } catch {
      /* keep what we have */
    }
    setStale(false);
    setEditing(false);
  };

  if (!editing) {
    return (
      <div className="ky-details">
        <ReadSections object={object} record={record} onEdit={canEdit ? startEdit : undefined} />
      </div>
    );
  }

  return (
    <div className="ky-details is-editing">
      {stale && (
        <Alert
          type="warning"
          showIcon
          icon={<ExclamationCircleFilled />}
          className="ky-mb"
          message={t('record.stale')}
          description={t('record.staleHelp')}
          data-testid="stale-alert"
          action={
            <Space direction={screens.md ? 'horizontal' : 'vertical'}>
              <Button size="small" type="primary" onClick={() => void reloadKeepingEdits()} data-testid="stale-reload">
                {t('record.staleReload')}
              </Button>
              <Button size="small" onClick={() => void discard()}>
                {t('record.staleDiscard')}
              </Button>
            </Space>
          }
        />
      )}
      {banner && <Alert type="error" showIcon message={banner.join(' ')} className="ky-mb" />}
      <RecordForm object={object} form={form} mode="edit" record={record} columns={screens.md ? 2 : 1} />
      <div className="ky-editbar">
        <Button onClick={() => setEditing(false)}>{t('common.cancel')}</Button>
        <Button type="primary" loading={saving} onClick={() => void save()} data-testid="record-save">
          {t('common.save')}
        </Button>
      </div>
    </div>
  );
}
