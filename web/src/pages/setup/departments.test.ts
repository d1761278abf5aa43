import { describe, expect, it } from 'vitest';
import {
  ancestorIds,
  buildTree,
  countsByDepartment,
  dropParent,
  moveTargets,
  pathLabel,
  subtreeIds,
  toDepartment,
  type Department,
  type DepartmentNode,
} from './departments';

const d = (id: string, name: string, parent: string | null = null): Department => ({ id, name, parent, manager: null, managerName: null });

// 销售中心 ─┬─ 华东销售部 ── 上海组
//           └─ 华北销售部
// 财务部
const ORG: Department[] = [d('east', '华东销售部', 'sales'), d('sh', '上海组', 'east'), d('finance', '财务部'), d('north', '华北销售部', 'sales'), d('sales', '销售中心')];

const shape = (nodes: DepartmentNode[]): unknown => nodes.map((n) => (n.children.length ? { [n.department.name]: shape(n.children) } : n.department.name));

describe('department tree', () => {
  it('nests departments under their parents', () => {
    const tree = buildTree(ORG);
    expect(tree.map((n) => n.key).sort()).toEqual(['finance', 'sales']);
    const sales = tree.find((n) => n.key === 'sales')!;
    expect(sales.children.map((n) => n.key).sort()).toEqual(['east', 'north']);
    expect(sales.children.find((n) => n.key === 'east')!.children.map((n) => n.key)).toEqual(['sh']);
  });

  it('shows departments whose parent is missing, or that sit in a loop, at the top', () => {
    const tree = buildTree([d('a', 'A', 'gone'), d('x', 'X', 'y'), d('y', 'Y', 'x'), d('self', 'Self', 'self')]);
    const keys = (nodes: DepartmentNode[]): string[] => nodes.flatMap((n) => [n.key, ...keys(n.children)]);
    expect(keys(tree).sort()).toEqual(['a', 'self', 'x', 'y']); // nothing lost, nothing twice
    expect(tree.map((n) => n.key)).toContain('a');
    expect(tree.map((n) => n.key)).toContain('self');
    expect(shape(buildTree([d('x', 'X', 'y'), d('y', 'Y', 'x')]))).toEqual([{ X: ['Y'] }]);
  });

  it('reads records from the API, lookups as ids with the manager’s title', () => {
    expect(
      toDepartment({ id: 'east', version: 3, name: '华东销售部', parent: 'sales', manager: 'u1', _display: { parent: '销售中心', manager: '李娜' } }),
    ).toEqual({ id: 'east', name: '华东销售部', parent: 'sales', manager: 'u1', managerName: '李娜', version: 3 });
    expect(toDepartment({ id: 'x', name: 'X', parent: null }).parent).toBeNull();
  });
});

describe('moving departments', () => {
  it('knows a subtree, the ancestors and the path of a department', () => {
    expect([...subtreeIds(ORG, 'sales')].sort()).toEqual(['east', 'north', 'sales', 'sh']);
    expect(ancestorIds(ORG, 'sh')).toEqual(['sales', 'east']);
    expect(pathLabel(ORG, 'sh')).toBe('销售中心 / 华东销售部 / 上海组');
  });

  it('offers every department but itself, its subtree and its current parent', () => {
    expect(moveTargets(ORG, 'east').map((t) => t.value).sort()).toEqual(['finance', 'north']);
    expect(moveTargets(ORG, 'finance').map((t) => t.label)).toContain('销售中心 / 华东销售部 / 上海组');
  });

  it('turns a drop onto a node into "child of", and a drop beside it into "sibling of"', () => {
    expect(dropParent(ORG, { dragKey: 'sh', dropKey: 'north', dropToGap: false })).toBe('north');
    expect(dropParent(ORG, { dragKey: 'sh', dropKey: 'north', dropToGap: true })).toBe('sales');
    expect(dropParent(ORG, { dragKey: 'east', dropKey: 'finance', dropToGap: true })).toBeNull(); // to the top
  });

  it('ignores drops that change nothing or would put a department inside itself', () => {
    expect(dropParent(ORG, { dragKey: 'sh', dropKey: 'east', dropToGap: false })).toBeUndefined();
    expect(dropParent(ORG, { dragKey: 'east', dropKey: 'north', dropToGap: true })).toBeUndefined();
    expect(dropParent(ORG, { dragKey: 'sales', dropKey: 'sh', dropToGap: false })).toBeUndefined();
    expect(dropParent(ORG, { dragKey: 'sales', dropKey: 'sales', dropToGap: false })).toBeUndefined();
  });

  it('counts users per department from an aggregate', () => {
    expect(
      countsByDepartment([
        { key: { department: 'east' }, values: { count: 3 } },
        { key: { department: null }, values: { count: 7 } },
      ]),
    ).toEqual({ east: 3 });
  });
});
