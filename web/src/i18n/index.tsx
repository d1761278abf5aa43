import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { setApiLanguage } from '../api/client';
import type { Labels, Lang } from '../api/types';
import en, { type MessageKey } from './en';
import zhCN from './zh-CN';
import { detectLang, LANG_STORAGE_KEY, normaliseLang } from './detect';

export { detectLang, LANG_STORAGE_KEY, normaliseLang };

export type { MessageKey } from './en';
export const LANGS: Lang[] = ['zh-CN', 'en'];
/** The loaded strings per language: the app's, then each on-demand catalogue registered. */
export const MESSAGES: Record<Lang, Partial<Record<MessageKey, string>>> = { 'zh-CN': { ...zhCN }, en: { ...en } };

/** Add a catalogue loaded with its pages (see setup.ts). */
export function registerMessages(extra: Record<Lang, Partial<Record<MessageKey, string>>>): void {
  for (const lang of LANGS) Object.assign(MESSAGES[lang], extra[lang]);
}

export type TParams = Record<string, string | number | null | undefined>;
export type TFunction = (key: MessageKey, params?: TParams) => string;

export function interpolate(template: string, params?: TParams): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => {
    const v = params[name];
    return v === undefined || v === null ? m : String(v);
  });
}

export function translate(lang: Lang, key: MessageKey, params?: TParams): string {
  const msg = MESSAGES[lang][key] ?? MESSAGES.en[key] ?? key;
  return interpolate(msg, params);
}

/** Turn snake_case API names into a readable fallback label. */
export function humanize(name: string): string {
  const s = name.replace(/_/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Pick the label for the language, falling back to en, zh-CN, any, then the API name. */
export function pickLabel(labels: Labels | null | undefined, lang: Lang, fallback = ''): string {
  if (labels) {
    const direct = labels[lang];
    if (direct) return direct;
    if (labels.en) return labels.en;
    if (labels['zh-CN']) return labels['zh-CN'];
    for (const v of Object.values(labels)) if (v) return v;
  }
  return fallback ? humanize(fallback) : '';
}

interface I18nValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
  /** Use the user's server-side preference unless a language was chosen in this browser. */
  adoptLang: (lang: string | null | undefined) => void;
  t: TFunction;
  label: (labels: Labels | null | undefined, fallback?: string) => string;
}

const I18nContext = createContext<I18nValue | null>(null);

/**
 * `storageKey` is where this browser's choice is kept: the customer portal keeps its own, so a
 * person who is both staff and customer in one browser can read each in its own language.
 */
export function I18nProvider({ children, initial, storageKey = LANG_STORAGE_KEY }: { children: ReactNode; initial?: Lang; storageKey?: string }) {
  const [lang, setLangState] = useState<Lang>(() => initial ?? detectLang(storageKey));
  setApiLanguage(lang);

  useEffect(() => {
    setApiLanguage(lang);
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
  }, [lang]);

  const setLang = useCallback((next: Lang) => {
    try {
      localStorage.setItem(storageKey, next);
    } catch {
      /* ignore */
    }
    setApiLanguage(next);
    setLangState(next);
  }, [storageKey]);

  const adoptLang = useCallback((preferred: string | null | undefined) => {
    const next = normaliseLang(preferred);
    if (!next) return;
    try {
      if (normaliseLang(localStorage.getItem(storageKey))) return;
    } catch {
      /* ignore */
    }
    setApiLanguage(next);
    setLangState(next);
  }, [storageKey]);

  const value = useMemo<I18nValue>(
    () => ({
      lang,
      setLang,
      adoptLang,
      t: (key, params) => translate(lang, key, params),
      label: (labels, fallback) => pickLabel(labels, lang, fallback),
    }),
    [lang, setLang, adoptLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
