/**
 * Setup › Document template as plain data: the form's values from the API's template, the
 * PUT body from the form, where an API error is shown, and what the browser checks about a
 * logo file before uploading it (the server checks again, by decoding it).
 *
 * The logo is not part of the form's body: it is uploaded on its own (PUT …/logo, multipart)
 * as soon as one is picked, and removed with `{"logo": null}`, so Save never resends it.
 * Pure functions, tested without rendering the page.
 */
import type { DocumentTemplate } from './api';

/** The server's limits (keyi.platform.documents.template). */
export const LOGO_MAX_BYTES = 512 * 1024;
export const LOGO_MAX_KB = LOGO_MAX_BYTES / 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg'];
export const TEXT_LIMITS = { company_name: 200, address: 300, phone: 100, tax_id: 100, bank_name: 200, bank_account: 100 } as const;
export const FOOTER_LIMIT = 300;
export const TERMS_LIMIT = 4000;
export const DEFAULT_ACCENT = '#1677FF';
/** The languages a document prints its footer and terms in (its own language's text). */
export const TEMPLATE_LANGS = ['zh-CN', 'en'] as const;
export type TemplateLang = (typeof TEMPLATE_LANGS)[number];

export type CompanyField = keyof typeof TEXT_LIMITS;
export const COMPANY_FIELDS = Object.keys(TEXT_LIMITS) as CompanyField[];

export interface TemplateForm extends Record<CompanyField, string> {
  accent_color: string;
  footer_text: Record<TemplateLang, string>;
  terms_text: Record<TemplateLang, string>;
}

function texts(value: Partial<Record<TemplateLang, string>> | undefined): Record<TemplateLang, string> {
  return { 'zh-CN': value?.['zh-CN'] ?? '', en: value?.en ?? '' };
}

export function templateToForm(t: DocumentTemplate): TemplateForm {
  return {
    company_name: t.company_name ?? '',
    address: t.address ?? '',
    phone: t.phone ?? '',
    tax_id: t.tax_id ?? '',
    bank_name: t.bank_name ?? '',
    bank_account: t.bank_account ?? '',
    accent_color: t.accent_color || DEFAULT_ACCENT,
    footer_text: texts(t.footer_text),
    terms_text: texts(t.terms_text),
  };
}

const trim = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/**
 * The body of PUT /document-template: every text trimmed (an empty one clears it), the colour
 * in upper case, both languages of the footer and terms; never the logo (see above).
 */
export function templatePayload(v: TemplateForm): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of COMPANY_FIELDS) body[name] = trim(v[name]);
  body.accent_color = trim(v.accent_color).toUpperCase();
  for (const name of ['footer_text', 'terms_text'] as const) {
    body[name] = Object.fromEntries(TEMPLATE_LANGS.map((lang) => [lang, trim(v[name]?.[lang])]));
  }
  return body;
}

/**
 * Which input shows an API error about a body key: a company field or the colour by name,
 * `footer_text.en` under the English footer, `logo`/`file` under the logo (`'logo'`); null for
 * anything else (shown in the alert above the form).
 */
/** A form input's name: a top-level field, or [text, language]. */
export type TemplateTarget = string | [string, string];

export function templateErrorTarget(key: string | null | undefined): TemplateTarget | null {
  const [head, lang] = (key ?? '').split('.', 2);
  if (head === 'logo' || head === 'file') return 'logo';
  if ((COMPANY_FIELDS as string[]).includes(head) || head === 'accent_color') return head;
  if ((head === 'footer_text' || head === 'terms_text') && (TEMPLATE_LANGS as readonly string[]).includes(lang)) return [head, lang];
  return null;
}

/** Why a picked file cannot be the logo before it is sent: not PNG/JPEG, or too large. */
export function logoProblem(file: Pick<File, 'type' | 'size'>): 'type' | 'size' | null {
  if (!LOGO_TYPES.includes(file.type)) return 'type';
  if (file.size > LOGO_MAX_BYTES) return 'size';
  return null;
}

/**
 * The logo's address for the preview, changing whenever the logo may have (the server lets the
 * browser keep it: a new address shows a new upload at once). Null when there is none.
 */
export function logoUrl(t: Pick<DocumentTemplate, 'has_logo' | 'updated_at' | 'logo_size'>): string | null {
  if (!t.has_logo) return null;
  return `/api/v1/document-template/logo?v=${encodeURIComponent(`${t.updated_at ?? ''}-${t.logo_size ?? ''}`)}`;
}

/** "38.2 KB" for a logo's size. */
export function sizeText(bytes: number | null | undefined): string {
  if (bytes == null) return '';
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}
