import { Alert, Button, Checkbox, DatePicker, Input, InputNumber, Select, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState, type CSSProperties, type ReactNode } from 'react';
import type { Lang } from '../../api/types';
import { translate, type MessageKey, type TParams } from '../../i18n';
import '../../i18n/marketing-forms';
import type { FormSubmission, PublicForm, PublicFormField } from './formApi';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
// Off-screen rather than display:none: some bots skip fields they can tell are hidden.
const HIDDEN: CSSProperties = { position: 'absolute', left: -10000, top: 'auto', width: 1, height: 1, overflow: 'hidden' };

type Value = string | number | boolean | string[] | null;

export function labelOf(field: PublicFormField, lang: Lang): string {
  return field.labels[lang] || field.labels.en || field.labels['zh-CN'] || field.field;
}

function empty(value: Value | undefined): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0) || (typeof value === 'string' && !value.trim());
}

/** What the page checks before sending (the server checks it all again). */
export function problemsOf(form: PublicForm, values: Record<string, Value>, consent: boolean, lang: Lang): Record<string, string> {
  const t = (key: MessageKey, params?: TParams) => translate(lang, key, params);
  const found: Record<string, string> = {};
  for (const field of form.fields) {
    const value = values[field.field];
    if (field.required && empty(value)) found[field.field] = t('webform.required', { field: labelOf(field, lang) });
    else if (field.type === 'email' && typeof value === 'string' && value.trim() && !EMAIL.test(value.trim())) found[field.field] = t('webform.invalidEmail');
  }
  if (form.consent?.required && !consent) found.consent = t('webform.consentRequired');
  return found;
}

interface Props {
  form: PublicForm;
  lang: Lang;
  /** Sends the submission; rejects with a message to show. Absent: a preview (sending is off). */
  onSubmit?: (body: FormSubmission) => Promise<void>;
  /** Errors the server named, by field. */
  serverErrors?: Record<string, string>;
  failure?: string | null;
}

/**
 * A web form as its visitor sees it: the fields in the form's order with their labels in the
 * chosen language, the consent box, an off-screen honeypot, the submit button. Used by the
 * public page (/f/:key) and, without `onSubmit`, by the builder's preview.
 */
export default function WebFormView({ form, lang, onSubmit, serverErrors, failure }: Props) {
  const t = (key: MessageKey, params?: TParams) => translate(lang, key, params);
  const [values, setValues] = useState<Record<string, Value>>({});
  const [consent, setConsent] = useState(false);
  const [trap, setTrap] = useState('');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [sending, setSending] = useState(false);
  const set = (name: string, value: Value) => setValues((v) => ({ ...v, [name]: value }));
  const shown = { ...serverErrors, ...problems };

  const submit = async () => {
    if (!onSubmit) return;
    const found = problemsOf(form, values, consent, lang);
    setProblems(found);
    if (Object.keys(found).length) return;
    const body: FormSubmission = { _token: form.token, [form.honeypot]: trap, language: lang };
    for (const field of form.fields) {
      const value = values[field.field];
      if (!empty(value)) body[field.field] = typeof value === 'string' ? value.trim() : (value ?? null);
    }
    if (form.consent) body.consent = consent;
    setSending(true);
    try {
      await onSubmit(body);
    } finally {
      setSending(false);
    }
  };

  const input = (field: PublicFormField): ReactNode => {
    const id = `webform-${field.field}`;
    const value = values[field.field];
    const common = { id, 'aria-required': field.required, 'data-testid': id, status: shown[field.field] ? ('error' as const) : undefined };
    const options = (field.options ?? []).map((o) => ({ value: o.value, label: o.labels[lang] || o.labels.en || o.value }));
    switch (field.type) {
      case 'picklist':
        return <Select {...common} allowClear placeholder={t('webform.select')} options={options} value={(value as string) ?? undefined} onChange={(v: string | undefined) => set(field.field, v ?? null)} style={{ width: '100%' }} />;
      case 'multi_picklist':
        return <Select {...common} mode="multiple" placeholder={t('webform.select')} options={options} value={(value as string[]) ?? []} onChange={(v: string[]) => set(field.field, v)} style={{ width: '100%' }} />;
      case 'long_text':
        return <Input.TextArea {...common} rows={4} maxLength={2000} value={(value as string) ?? ''} onChange={(e) => set(field.field, e.target.value)} />;
      case 'boolean':
        return (
          <Checkbox id={id} data-testid={id} checked={value === true} onChange={(e) => set(field.field, e.target.checked)}>
            {t('webform.yes')}
          </Checkbox>
        );
      case 'integer':
      case 'decimal':
      case 'percent':
        return <InputNumber {...common} value={(value as number) ?? null} onChange={(v) => set(field.field, v ?? null)} style={{ width: '100%' }} />;
      case 'date':
        return <DatePicker {...common} onChange={(d: Dayjs | null) => set(field.field, d ? d.format('YYYY-MM-DD') : null)} style={{ width: '100%' }} />;
      default:
        return (
          <Input
            {...common}
            type={field.type === 'email' ? 'email' : field.type === 'phone' ? 'tel' : field.type === 'url' ? 'url' : 'text'}
            autoComplete={field.type === 'email' ? 'email' : field.type === 'phone' ? 'tel' : field.field === 'name' ? 'name' : field.field === 'company' ? 'organization' : undefined}
            maxLength={Math.min(field.max_length ?? 2000, 2000)}
            value={(value as string) ?? ''}
            onChange={(e) => set(field.field, e.target.value)}
          />
        );
    }
  };

  return (
    <form
      noValidate
      data-testid="webform"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {form.name}
      </Typography.Title>
      {form.fields.map((field) => (
        <div key={field.field} style={{ marginBottom: 16 }}>
          <label htmlFor={`webform-${field.field}`} style={{ display: 'block', fontWeight: 500, marginBottom: 6 }}>
            {labelOf(field, lang)}
            {field.required && (
              <span aria-hidden style={{ color: '#ff4d4f', marginLeft: 4 }}>
                *
              </span>
            )}
          </label>
          {input(field)}
          {shown[field.field] && (
            <div role="alert" style={{ color: '#ff4d4f', fontSize: 13, marginTop: 4 }}>
              {shown[field.field]}
            </div>
          )}
        </div>
      ))}
      <div style={HIDDEN} aria-hidden>
        <label htmlFor="webform-hp">Website</label>
        <input id="webform-hp" name={form.honeypot} tabIndex={-1} autoComplete="off" value={trap} onChange={(e) => setTrap(e.target.value)} />
      </div>
      {form.consent && (
        <div style={{ marginBottom: 16 }}>
          <Checkbox checked={consent} onChange={(e) => setConsent(e.target.checked)} data-testid="webform-consent">
            {form.consent.labels[lang] || form.consent.labels.en}
          </Checkbox>
          {shown.consent && (
            <div role="alert" style={{ color: '#ff4d4f', fontSize: 13, marginTop: 4 }}>
              {shown.consent}
            </div>
          )}
        </div>
      )}
      {failure && <Alert style={{ marginBottom: 12 }} type="error" showIcon message={failure} />}
      {!onSubmit && <Alert style={{ marginBottom: 12 }} type="info" showIcon message={t('webform.builder.previewNote')} />}
      <Button type="primary" htmlType="submit" size="large" block loading={sending} disabled={!onSubmit} data-testid="webform-submit">
        {t('webform.submit')}
      </Button>
    </form>
  );
}
