import { request } from '../../api/client';
import type { components } from '../../api/schema.gen';

/** What the public form page renders (GET /api/v1/public/forms/{key}). */
export type PublicForm = components['schemas']['PublicForm'];
export type PublicFormField = components['schemas']['PublicFormField'];
/** The answer to a submission: a thank-you message or where to go; never lead data. */
export type FormAnswer = components['schemas']['FormAnswer'];
/** A submission: lead field values, UTM parameters, consent, language, token, honeypot. */
export type FormSubmission = Record<string, string | number | boolean | string[] | null>;

/** The UTM parameters a form passes on from its page's address. */
export const UTM_PARAMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

const path = (key: string) => `/api/v1/public/forms/${encodeURIComponent(key)}`;

/** The public form routes: no session, the public key is the address (never a sign-in redirect). */
export const formApi = {
  get: (key: string, signal?: AbortSignal) => request<PublicForm>(path(key), { signal, skipAuthRedirect: true }),
  submit: (key: string, body: FormSubmission) => request<FormAnswer>(path(key), { method: 'POST', body, skipAuthRedirect: true }),
};

/** The UTM parameters of a page address (`?utm_source=…`), trimmed, at most 255 characters. */
export function utmFrom(search: string): Record<string, string> {
  const params = new URLSearchParams(search);
  const found: Record<string, string> = {};
  for (const name of UTM_PARAMS) {
    const value = params.get(name)?.trim();
    if (value) found[name] = value.slice(0, 255);
  }
  return found;
}

/** Only an http(s) address is followed after a submission (never javascript: or data:). */
export function safeRedirect(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
