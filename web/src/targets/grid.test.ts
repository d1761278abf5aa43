import { describe, expect, it } from 'vitest';
import type { Department, Person, TargetRecord } from './api';
import { buildGrid, departmentTree } from './grid';

const departments: Department[] = [
  { id: 'hq', name: '总部', parent: null },
  { id: 'east', name: '华东区', parent: 'hq' },
  { id: 'sh', name: '上海组', parent: 'east' },
  { id: 'west', name: '华西区', parent: 'hq' },
  { id: 'empty', name: '空部门', parent: 'hq' },
];
const people: Person[] = [
  { id: 'wang', name: '王芳', department: 'sh' },
  { id: 'li', name: '李雷', department: 'east' },
  { id: 'zhao', name: '赵敏', department: 'west' },
  { id: 'free', name: 'Nobody', department: null },
];
const JAN = '2026-01-01';
const FEB = '2026-02-01';

function t(id: string, subject: { user?: string; department?: string }, start: string, target: number | string): TargetRecord {
  return { id, version: 1, ...subject, metric: 'won_amount', period_type: 'month', period_start: start, target };
}

describe('buildGrid', () => {
  it('rolls department cells up from members and sub-departments, exactly, unless a department has its own', () => {
    const targets = [
      t('1', { user: 'wang' }, JAN, 1000.1),
      t('2', { user: 'li' }, JAN, '0.2'),
      t('3', { user: 'zhao' }, JAN, 300),
      t('4', { user: 'wang' }, FEB, 10),
      t('5', { department: 'west' }, FEB, '999'),
    ];
    const [hq, nobody] = buildGrid(departments, people, targets, [JAN, FEB]);
    expect(nobody).toMatchObject({ kind: 'user', id: 'free', total: null });
    expect(hq.children!.map((r) => r.name)).toEqual(['华东区', '华西区']); // no one below 空部门
    const [east, west] = hq.children!;
    expect(east.children!.map((r) => r.key)).toEqual(['department:sh', 'user:li']);
    // 0.1 + 0.2 stays 0.3: sums are decimal.
    expect(east.cells[JAN]).toMatchObject({ value: '1000.3', rolled: true });
    expect(east.cells[FEB]).toMatchObject({ value: '10', rolled: true });
    expect(west.cells[JAN]).toMatchObject({ value: '300', rolled: true });
    expect(west.cells[FEB]).toMatchObject({ value: '999', rolled: false, record: { id: '5' } });
    expect(hq.cells[JAN].value).toBe('1300.3');
    expect(hq.cells[FEB].value).toBe('1009');
    expect(hq.total).toBe('2309.3');
    const wang = east.children![0].children![0];
    expect(wang).toMatchObject({ kind: 'user', total: '1010.1' });
    expect(wang.cells[JAN].record?.id).toBe('1');
  });

  it('limits the tree to one department and keeps one with only its own target', () => {
    const rows = buildGrid(departments, people, [t('9', { department: 'empty' }, JAN, 5)], [JAN], 'hq');
    expect(rows).toHaveLength(1);
    expect(rows[0].children!.map((r) => r.name)).toEqual(['华东区', '华西区', '空部门']);
    expect(rows[0].cells[JAN].value).toBe('5');
    expect(buildGrid(departments, people, [], [JAN], 'east')[0].children!.map((r) => r.key)).toEqual(['department:sh', 'user:li']);
  });

  it('orders the department picker as a tree', () => {
    expect(departmentTree(departments).map((d) => `${d.depth}:${d.name}`)).toEqual(['0:总部', '1:华东区', '2:上海组', '1:华西区', '1:空部门']);
  });
});
