import { describe, expect, it } from 'vitest';
import type { ImportField, ImportRun } from './api';
import { applySavedMapping, errorRows, initialMapping, keyFields, missingRequired, parseCsv, progressPercent, undoable } from './wizard';

const f = (name: string, extra: Partial<ImportField> = {}): ImportField => ({ name, label: name, type: 'text', required: false, unique: false, has_default: false, importable: true, reason: null, ...extra });

describe('import wizard rules', () => {
  it('starts from the automatic mapping and applies a saved one by header', () => {
    const start = initialMapping(['客户名称', '行业', '备注'], { 客户名称: 'name' });
    expect(start).toEqual({ 客户名称: 'name', 行业: null, 备注: null });
    // The saved mapping's header absent from the file is ignored; a field is taken once.
    const applied = applySavedMapping(['客户名称', '行业', '备注'], start, { 行业: 'industry', 备注: 'name', 旧列: 'phone' });
    expect(applied).toEqual({ 客户名称: 'name', 行业: 'industry', 备注: null });
  });

  it('asks for required fields that nothing fills, except in an update', () => {
    const fields = [f('name', { required: true }), f('stage', { required: true, has_default: true }), f('no', { required: true, importable: false, reason: 'computed' })];
    expect(missingRequired(fields, { a: null }, 'insert').map((x) => x.name)).toEqual(['name']);
    expect(missingRequired(fields, { a: 'name' }, 'upsert')).toEqual([]);
    expect(missingRequired(fields, { a: null }, 'update')).toEqual([]);
  });

  it('offers id as a key only to an update', () => {
    const fields = [f('id', { unique: true, importable: false }), f('credit_code', { unique: true }), f('name')];
    expect(keyFields(fields, 'upsert').map((x) => x.name)).toEqual(['credit_code']);
    expect(keyFields(fields, 'update').map((x) => x.name)).toEqual(['id', 'credit_code']);
  });

  it('reads the error report back (BOM, quotes, newlines, neutralised formulas)', () => {
    const text = '\ufeff行号,客户名称,金额,错误\r\n3,"星河, 有限公司",\'=1+2,"金额: 不是数字"\r\n7,"两行\n名称",,名称: 必填\r\n';
    expect(parseCsv(text)).toHaveLength(3);
    const { headers, rows } = errorRows(text);
    expect(headers).toEqual(['客户名称', '金额']);
    expect(rows).toEqual([
      { row: 3, cells: ['星河, 有限公司', '=1+2'], errors: '金额: 不是数字' },
      { row: 7, cells: ['两行\n名称', ''], errors: '名称: 必填' },
    ]);
  });

  it('measures progress and knows what can be undone', () => {
    const run = { status: 'running', total: 10000, processed: 2500, created: 2500, updated: 0, dry_run: false } as ImportRun;
    expect(progressPercent(run)).toBe(25);
    expect(progressPercent({ ...run, total: 0 })).toBe(0);
    expect(undoable(run)).toBe(false);
    expect(undoable({ ...run, status: 'done' })).toBe(true);
    expect(undoable({ ...run, status: 'done', dry_run: true })).toBe(false);
    expect(undoable({ ...run, status: 'cancelled', created: 0 })).toBe(false);
  });
});
