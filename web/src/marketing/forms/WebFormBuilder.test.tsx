import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta, RecordData } from '../../api/types';
import { field } from '../../test/fixtures';
import { renderWith } from '../../test/render';
import { json, problem } from '../../test/session';
import { cleanEntries, embedSnippets, fillableFields, previewOf } from './builder';
import WebFormBuilder from './WebFormBuilder';

const lead: ObjectMeta = {
  name: 'lead',
  labels: { en: 'Lead', 'zh-CN': '线索' },
  plural_labels: { en: 'Leads', 'zh-CN': '线索' },
  name_field: 'name',
  icon: 'aim',
  custom: false,
  features: { owner: true, activities: true, search: true },
  fields: [
    field('name', 'text', { required: true, labels: { en: 'Name', 'zh-CN': '姓名' } }),
    field('company', 'text', { labels: { en: 'Company', 'zh-CN': '公司名称' } }),
    field('email', 'email', { labels: { en: 'Email', 'zh-CN': '邮箱' } }),
    field('mobile', 'phone', { labels: { en: 'Mobile', 'zh-CN': '手机' } }),
    field('status', 'picklist', { default: 'new', options: [{ value: 'new', labels: { en: 'New', 'zh-CN': '新线索' } }] }),
    field('utm_source', 'text'),
    field('mobile_key', 'text', { read_only: true }),
    field('converted_account', 'lookup', { target: 'account' }),
    field('owner_id', 'owner', { target: 'user', read_only: true }),
  ],
};

const FORM: RecordData = {
  id: 'f1',
  version: 3,
  name: '展会报名',
  public_key: 'PUBKEY123',
  language: 'zh-CN',
  consent_checkbox: 'optional',
  consent_text_en: 'Send me news',
  active: true,
  submission_count: 7,
  fields: [
    { field: 'name', required: true },
    { field: 'email', required: false, labels: { en: 'Work email' } },
  ],
};

afterEach(() => vi.unstubAllGlobals());

describe('builder helpers', () => {
  it('offers only the lead fields a visitor may fill', () => {
    expect(fillableFields(lead).map((f) => f.name)).toEqual(['name', 'company', 'email', 'mobile']);
  });

  it('stores entries with labels only where given', () => {
    expect(cleanEntries([{ field: 'email', labels: { 'zh-CN': ' ', en: ' Work email ' } }, { field: 'name', required: true }])).toEqual([
      { field: 'email', required: false, labels: { en: 'Work email' } },
      { field: 'name', required: true },
    ]);
  });

  it('previews with the form’s labels over the lead’s, and its consent text', () => {
    const preview = previewOf(FORM, [{ field: 'email', labels: { en: 'Work email' } }, { field: 'gone' }], lead);
    expect(preview.fields).toHaveLength(1);
    expect(preview.fields[0].labels).toEqual({ en: 'Work email', 'zh-CN': '邮箱' });
    expect(preview.consent).toEqual({ required: false, labels: { en: 'Send me news', 'zh-CN': expect.any(String) } });
  });

  it('makes an iframe and a script snippet that passes the page’s UTM on', () => {
    const { link, iframe, script } = embedSnippets('https://crm.example.com', 'PUBKEY123', 'Fair <2026>');
    expect(link).toBe('https://crm.example.com/f/PUBKEY123');
    expect(iframe).toContain('src="https://crm.example.com/f/PUBKEY123?embed=1"');
    expect(iframe).toContain('title="Fair 2026"');
    expect(script).toContain("f.src='https://crm.example.com/f/PUBKEY123?embed=1'+(q?'&'+q:'')");
    expect(script).toContain('location.search');
  });
});

describe('WebFormBuilder', { timeout: 60000 }, () => {
  it('adds a field, makes it required, labels it, previews it and saves the list', async () => {
    const sent: Array<{ url: string; body: unknown; headers: unknown }> = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        sent.push({ url, body: JSON.parse(String(init?.body)), headers: init?.headers });
        return json(200, { ...FORM, version: 4, fields: JSON.parse(String(init?.body)).fields });
      }),
    );
    const onSaved = vi.fn();
    renderWith(<WebFormBuilder record={FORM} onSaved={onSaved} canEdit />, { objects: [lead] });
    expect(screen.getByTestId('builder-row-name')).toBeTruthy();
    expect(screen.getByText('7 submissions')).toBeTruthy();
    expect(screen.getByTestId('builder-snippet-iframe').textContent).toContain('/f/PUBKEY123?embed=1');
    const preview = screen.getByTestId('builder-preview');
    expect(within(preview).getByText('姓名')).toBeTruthy();
    fireEvent.click(screen.getByText('English'));
    expect(await within(preview).findByText('Work email')).toBeTruthy();

    fireEvent.mouseDown(screen.getByTestId('builder-add').querySelector('input')!);
    fireEvent.click(await screen.findByText('Mobile', { selector: '.ant-select-item-option-content' }));
    expect(screen.getByTestId('builder-row-mobile')).toBeTruthy();
    fireEvent.click(screen.getByTestId('builder-required-mobile'));
    fireEvent.change(screen.getByTestId('builder-label-en-mobile'), { target: { value: 'Cell phone' } });
    expect(await within(preview).findByText('Cell phone')).toBeTruthy();
    fireEvent.click(screen.getByTestId('builder-remove-email'));
    fireEvent.click(screen.getByTestId('builder-save'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('/api/v1/records/web_form/f1');
    expect(sent[0].body).toEqual({
      fields: [
        { field: 'name', required: true },
        { field: 'mobile', required: true, labels: { en: 'Cell phone' } },
      ],
    });
  });

  it('will not save a form without the lead’s name, and shows the server’s refusal', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => problem(422, { code: 'invalid_request', errors: [{ field: 'fields.1', code: 'web_form_field_not_fillable', message: 'The lead field cannot be filled by a visitor.' }] })),
    );
    renderWith(<WebFormBuilder record={FORM} onSaved={vi.fn()} canEdit />, { objects: [lead] });
    fireEvent.click(screen.getByTestId('builder-remove-name'));
    expect(screen.getByText('Every lead needs a name: keep "Name" on the form, required.')).toBeTruthy();
    expect((screen.getByTestId('builder-save') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.mouseDown(screen.getByTestId('builder-add').querySelector('input')!);
    fireEvent.click(await screen.findByText('Name', { selector: '.ant-select-item-option-content' }));
    fireEvent.click(screen.getByTestId('builder-required-name'));
    fireEvent.click(screen.getByTestId('builder-save'));
    expect(await screen.findByTestId('builder-error')).toBeTruthy();
    expect(screen.getByText('The lead field cannot be filled by a visitor.')).toBeTruthy();
  });
});
