import { describe, expect, it } from 'vitest';
import { translate, type MessageKey, type TParams } from '../../i18n';
import { reasonText } from './AccessPanel';

const en = (key: MessageKey, params?: TParams) => translate('en', key, params);
const zh = (key: MessageKey, params?: TParams) => translate('zh-CN', key, params);

describe('access explanation sentences', () => {
  it('names each kind of rule the server reports, in both languages', () => {
    expect(reasonText({ kind: 'administrator', grants: true }, en)).toBe('Administrator: full access');
    expect(reasonText({ kind: 'object_permission', grants: true, role: null }, en)).toBe('Default permissions (no role)');
    expect(reasonText({ kind: 'object_permission', grants: false, role: 'r1' }, en)).toBe('Role permission for this object');
    expect(reasonText({ kind: 'scope', grants: false, scope: 'department' }, en)).toBe('Data scope: Department’s');
    expect(reasonText({ kind: 'scope', grants: true, scope: 'all' }, zh)).toBe('数据范围：全部记录');
    expect(reasonText({ kind: 'sharing_rule', grants: true, rule: 'east_region' }, en)).toBe('Sharing rule “east_region”');
    expect(reasonText({ kind: 'share', grants: true, principal_type: 'team', source: 'team', access: 'edit' }, en)).toBe(
      'Shared with the user’s team (record team, Read & edit)',
    );
    expect(reasonText({ kind: 'share', grants: true, principal_type: 'department', source: 'manual', access: 'read' }, zh)).toBe(
      '已共享给该用户所属的部门（手动共享，只读）',
    );
    expect(reasonText({ kind: 'manager_chain', grants: true }, zh)).toBe('负责人所在部门的主管');
    expect(reasonText({ kind: 'master', grants: true, object: 'quote', operation: 'edit' }, zh, () => '报价单')).toBe(
      '随主记录（报价单）：可编辑主记录即可编辑',
    );
    expect(reasonText({ kind: 'master', grants: false, object: 'quote', operation: 'read' }, en)).toBe(
      'Follows its master record (quote): readable where the master is',
    );
  });

  it('falls back to the raw kind for rules it does not know yet', () => {
    expect(reasonText({ kind: 'pool_member', grants: true }, en)).toBe('pool_member');
  });
});
