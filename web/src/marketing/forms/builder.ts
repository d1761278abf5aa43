import type { FieldMeta, ObjectMeta, RecordData } from '../../api/types';
import type { PublicForm } from './formApi';

/** One field of a form as stored in the web form's `fields` JSON. */
export interface FormFieldEntry {
  field: string;
  required?: boolean;
  labels?: { 'zh-CN'?: string; en?: string };
}

// Mirrors keyi.packages.marketing.web_forms (FILLABLE_TYPES, NOT_ON_FORMS): the server checks
// again at save, this only keeps the picker to what it would accept.
const FILLABLE_TYPES = new Set(['text', 'long_text', 'email', 'phone', 'url', 'picklist', 'multi_picklist', 'integer', 'decimal', 'percent', 'boolean', 'date']);
const NOT_ON_FORMS = new Set([
  'status',
  'rating',
  'source',
  'consent',
  'consent_at',
  'email_opt_out',
  'sms_opt_out',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'owner_id',
  'pool_id',
]);

/** The lead fields a visitor may fill, in the lead's order. */
export function fillableFields(lead: ObjectMeta | undefined): FieldMeta[] {
  return (lead?.fields ?? []).filter((f) => FILLABLE_TYPES.has(f.type) && !f.read_only && !f.system && !NOT_ON_FORMS.has(f.name));
}

/** The lead's required fields without a default: the form must ask for each, required. */
export function neededFields(lead: ObjectMeta | undefined): FieldMeta[] {
  return (lead?.fields ?? []).filter((f) => f.required && (f.default === undefined || f.default === null) && !f.system);
}

/** The stored entries of a web form record (its `fields` JSON), tolerating anything else. */
export function entriesOf(record: RecordData): FormFieldEntry[] {
  const raw = record.fields;
  if (!Array.isArray(raw)) return [];
  return raw.filter((e): e is FormFieldEntry => typeof e === 'object' && e !== null && typeof (e as FormFieldEntry).field === 'string');
}

/** Entries as the server stores them: labels only where given, `required` always said. */
export function cleanEntries(entries: FormFieldEntry[]): FormFieldEntry[] {
  return entries.map((e) => {
    const labels: FormFieldEntry['labels'] = {};
    if (e.labels?.['zh-CN']?.trim()) labels['zh-CN'] = e.labels['zh-CN'].trim();
    if (e.labels?.en?.trim()) labels.en = e.labels.en.trim();
    return { field: e.field, required: !!e.required, ...(Object.keys(labels).length ? { labels } : {}) };
  });
}

const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The definition the public page would get, built from the builder's state (for the preview). */
export function previewOf(record: RecordData, entries: FormFieldEntry[], lead: ObjectMeta | undefined, company = ''): PublicForm {
  const byName = new Map((lead?.fields ?? []).map((f) => [f.name, f]));
  const mode = text(record.consent_checkbox) ?? 'none';
  return {
    key: String(record.public_key ?? ''),
    name: String(record.name ?? ''),
    company,
    language: record.language === 'en' ? 'en' : 'zh-CN',
    honeypot: 'hp_url',
    token: '',
    min_seconds: 3,
    consent:
      mode === 'none'
        ? null
        : {
            required: mode === 'required',
            labels: { 'zh-CN': text(record.consent_text_zh) ?? '我同意接收产品与活动信息。', en: text(record.consent_text_en) ?? 'I agree to receive news about products and events.' },
          },
    fields: entries.flatMap((e) => {
      const f = byName.get(e.field);
      if (!f) return [];
      const labels: Record<string, string> = { ...(f.labels as Record<string, string>) };
      if (e.labels?.['zh-CN']?.trim()) labels['zh-CN'] = e.labels['zh-CN'];
      if (e.labels?.en?.trim()) labels.en = e.labels.en;
      return [
        {
          field: e.field,
          type: f.type,
          required: !!e.required,
          labels,
          max_length: f.max_length ?? null,
          options: f.options?.filter((o) => o.active !== false).map((o) => ({ value: o.value, labels: o.labels as Record<string, string> })) ?? null,
        },
      ];
    }),
  };
}

/** The embed snippets: a plain iframe, and a script that adds the iframe and passes the host
 * page's UTM parameters on to it. */
export function embedSnippets(origin: string, key: string, title: string): { link: string; iframe: string; script: string } {
  const link = `${origin}/f/${encodeURIComponent(key)}`;
  const safeTitle = title.replace(/[<>"&]/g, '');
  const iframe = `<iframe src="${link}?embed=1" title="${safeTitle}" style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>`;
  const id = `keyi-form-${key.slice(0, 12)}`;
  const script =
    `<div id="${id}"></div>\n<script>(function(){var f=document.createElement('iframe');` +
    `var q=location.search.replace(/^\\?/,'');f.src='${link}?embed=1'+(q?'&'+q:'');` +
    `f.title=${JSON.stringify(safeTitle)};f.loading='lazy';f.style.cssText='width:100%;min-height:640px;border:0';` +
    `document.getElementById('${id}').appendChild(f);})();</script>`;
  return { link, iframe, script };
}
