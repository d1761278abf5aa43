import { describe, expect, it } from 'vitest';
import type { DocumentTemplate } from './api';
import { logoProblem, logoUrl, sizeText, templateErrorTarget, templatePayload, templateToForm } from './documentTemplate';

const base: DocumentTemplate = {
  company_name: 'Acme',
  accent_color: '',
  footer_text: { en: 'Thanks' },
  terms_text: {},
  has_logo: false,
};

describe('document template form', () => {
  it('fills the form with empty texts where the API has none and the default colour', () => {
    expect(templateToForm(base)).toEqual({
      company_name: 'Acme',
      address: '',
      phone: '',
      tax_id: '',
      bank_name: '',
      bank_account: '',
      accent_color: '#1677FF',
      footer_text: { 'zh-CN': '', en: 'Thanks' },
      terms_text: { 'zh-CN': '', en: '' },
    });
  });

  it('sends every text trimmed, the colour upper-cased and both languages', () => {
    const form = { ...templateToForm(base), company_name: ' Acme Ltd ', accent_color: '#aa00ff', terms_text: { 'zh-CN': ' 条款 ', en: '' } };
    expect(templatePayload(form)).toEqual({
      company_name: 'Acme Ltd',
      address: '',
      phone: '',
      tax_id: '',
      bank_name: '',
      bank_account: '',
      accent_color: '#AA00FF',
      footer_text: { 'zh-CN': '', en: 'Thanks' },
      terms_text: { 'zh-CN': '条款', en: '' },
    });
  });

  it('puts an API error under its input, a language’s text under that language', () => {
    expect(templateErrorTarget('tax_id')).toBe('tax_id');
    expect(templateErrorTarget('accent_color')).toBe('accent_color');
    expect(templateErrorTarget('terms_text.zh-CN')).toEqual(['terms_text', 'zh-CN']);
    expect(templateErrorTarget('footer_text.fr')).toBeNull();
    expect(templateErrorTarget('file')).toBe('logo');
    expect(templateErrorTarget('logo')).toBe('logo');
    expect(templateErrorTarget('colour')).toBeNull();
    expect(templateErrorTarget(null)).toBeNull();
  });

  it('checks a logo file’s type and the 512 KB limit before sending it', () => {
    expect(logoProblem({ type: 'image/png', size: 512 * 1024 })).toBeNull();
    expect(logoProblem({ type: 'image/jpeg', size: 512 * 1024 + 1 })).toBe('size');
    expect(logoProblem({ type: 'image/svg+xml', size: 10 })).toBe('type');
  });

  it('gives the logo an address that changes with each upload, none without a logo', () => {
    expect(logoUrl(base)).toBeNull();
    const a = logoUrl({ has_logo: true, updated_at: '2026-05-01T00:00:00Z', logo_size: 10 });
    const b = logoUrl({ has_logo: true, updated_at: '2026-05-02T00:00:00Z', logo_size: 10 });
    expect(a).toMatch(/^\/api\/v1\/document-template\/logo\?v=/);
    expect(a).not.toBe(b);
    expect(sizeText(39117)).toBe('38.2 KB');
    expect(sizeText(500)).toBe('500 B');
  });
});
