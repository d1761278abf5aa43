import { Alert, App, Button, Form, Popover, Space } from 'antd';
import { useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import type { FieldMeta, ObjectMeta, RecordData } from '../api/types';
import { FieldDisplay, FieldInput, specFor } from '../fields/registry';
import { useI18n } from '../i18n';
import { inlinePayload } from '../lib/inline';
import { useFormatSettings } from '../state/session';
import { errorMessage } from './Status';

interface Props {
  object: ObjectMeta;
  field: FieldMeta;
  record: RecordData;
  /** The saved (or, after a conflict, reloaded) record. */
  onSaved: (record: RecordData) => void;
}

/**
 * A list cell that edits its field in place: a pencil opens a small form for this one field,
 * saved with PATCH + If-Match. A field error shows under the input; a 412 says clearly that
 * someone else changed the record and offers to load their version while keeping the typed value.
 *
 * Only the cell being edited mounts the popover and its form: a list page has hundreds of
 * editable cells, and a popover and form store each made its first render markedly slower.
 */
export function InlineEditCell(props: Props) {
  const { t, label } = useI18n();
  const [editing, setEditing] = useState(false);
  const { field, record } = props;
  const pencil = (
    <button
      type="button"
      className="ky-inline-edit"
      aria-label={`${t('common.edit')} ${label(field.labels, field.name)}`}
      onClick={(e) => {
        e.stopPropagation();
        setEditing(true);
      }}
      data-testid={`inline-edit-${field.name}`}
    />
  );
  return (
    <div className="ky-inline-cell">
      <span className="ky-inline-value">
        <FieldDisplay field={field} record={record} compact />
      </span>
      {editing ? (
        <InlineEditor {...props} onClose={() => setEditing(false)}>
          {pencil}
        </InlineEditor>
      ) : (
        pencil
      )}
    </div>
  );
}

function InlineEditor({ object, field, record, onSaved, onClose, children }: Props & { onClose: () => void; children: ReactNode }) {
  const { t, label } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [base, setBase] = useState<RecordData>(record);
  const [form] = Form.useForm();
  const spec = specFor(field);
  const setOpen = (open: boolean) => {
    if (!open) onClose();
  };

  const save = async () => {
    setProblem(null);
    const value = form.getFieldValue(field.name);
    const payload = inlinePayload(field, value, base, fmt);
    if (!payload) {
      setOpen(false);
      return;
    }
    setSaving(true);
    try {
      const updated = await api.update(object.name, base.id, base.version, payload);
      onSaved({ ...updated, _display: { ...(base._display ?? {}), ...(updated._display ?? {}) } });
      setOpen(false);
      message.success(t('common.saved'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setConflict(true);
      } else if (e instanceof ApiError && e.fieldErrors.length) {
        const mine = e.fieldErrors.filter((fe) => (fe.field ?? '').replace(/^body\./, '').replace(/_currency$/, '') === field.name);
        const others = e.fieldErrors.filter((fe) => !mine.includes(fe));
        form.setFields([{ name: field.name, errors: mine.map((fe) => fe.message) }]);
        if (others.length) setProblem(others.map((fe) => fe.message).join(' '));
      } else {
        setProblem(errorMessage(e, t));
      }
    } finally {
      setSaving(false);
    }
  };

  /** After a conflict: take the other person's version as the new base, keep what was typed. */
  const reload = async () => {
    try {
      const latest = await api.get(object.name, base.id);
      setBase(latest);
      onSaved(latest);
      setConflict(false);
    } catch (e) {
      setProblem(errorMessage(e, t));
    }
  };

  const editor = (
    <div className="ky-inline-editor" onClick={(e) => e.stopPropagation()} data-testid="inline-editor">
      {conflict && (
        <Alert
          type="warning"
          showIcon
          className="ky-mb-sm"
          message={t('record.stale')}
          description={t('inline.conflictHelp')}
          action={
            <Button size="small" onClick={() => void reload()} data-testid="inline-reload">
              {t('inline.loadLatest')}
            </Button>
          }
          data-testid="inline-conflict"
        />
      )}
      {problem && <Alert type="error" showIcon className="ky-mb-sm" message={problem} />}
      <Form form={form} layout="vertical" onFinish={() => void save()} initialValues={{ [field.name]: spec.toForm(record, field, fmt) }}>
        <Form.Item name={field.name} label={label(field.labels, field.name)} valuePropName={spec.valueProp ?? 'value'} className="ky-mb-sm">
          <FieldInput field={field} record={base} autoFocus />
        </Form.Item>
      </Form>
      <Space className="ky-inline-actions">
        <Button size="small" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </Button>
        <Button size="small" type="primary" loading={saving} disabled={conflict} onClick={() => void save()} data-testid="inline-save">
          {t('common.save')}
        </Button>
      </Space>
    </div>
  );

  return (
    <Popover open onOpenChange={(o) => setOpen(o)} trigger="click" content={editor} destroyOnHidden placement="bottomLeft">
      {children}
    </Popover>
  );
}
