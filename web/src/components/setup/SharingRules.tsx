import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, Form, Input, Modal, Radio, Space, Switch, Table, Tag } from 'antd';
import { useCallback, useEffect, useMemo, useState, type HTMLAttributes } from 'react';
import { api } from '../../api/endpoints';
import type { FieldMeta, ObjectMeta } from '../../api/types';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n, type TFunction } from '../../i18n';
import { getField } from '../../lib/fields';
import { setupApi, type SetupObject } from '../../pages/setup/api';
import { PRINCIPAL_TYPES, ruleErrors, upsertRule, type PrincipalType, type SharingRuleDef } from '../../pages/setup/rules';
import {
  criteriaValue,
  incompleteConditions,
  referencedIds,
  sharingRuleFromForm,
  sharingRuleToForm,
  withTitles,
  type CriteriaValue,
  type SharingRuleForm,
} from '../../pages/setup/sharing';
import { useMetadata } from '../../state/metadata';
import { useFormatSettings } from '../../state/session';
import { describeCondition, FilterBuilder } from '../FilterBuilder';
import { nameRules } from './NewObjectModal';
import { useModalSubmit } from './modalSubmit';
import { useRuleList } from './ruleTable';

const INPUTS: Record<string, string> = {
  name: 'name',
  criteria: 'criteria',
  access: 'access',
  principal_type: 'principal_type',
  principal_id: 'principal',
  active: 'active',
};

/** Titles of the records the rules name (principals, lookup values), one request per object. */
function useTitles(rules: readonly SharingRuleDef[], resolve: (p: string) => FieldMeta | undefined): Record<string, string> {
  const { getObject } = useMetadata();
  const [titles, setTitles] = useState<Record<string, string>>({});
  const wanted = useMemo(() => referencedIds(rules, resolve), [rules, resolve]);
  useEffect(() => {
    const ctrl = new AbortController();
    for (const [object, ids] of wanted) {
      const nameField = getObject(object)?.name_field ?? 'name';
      api
        .list(object, { filter: { field: 'id', op: 'in', value: [...ids] }, fields: [nameField], limit: 500 }, ctrl.signal)
        .then((page) => {
          const found = Object.fromEntries(page.records.map((r) => [String(r.id), String(r[nameField] ?? r.id)]));
          setTitles((prev) => ({ ...prev, ...found }));
        })
        .catch(() => undefined); // ids stay as they are: the rule is still editable
    }
    return () => ctrl.abort();
  }, [wanted, getObject]);
  return titles;
}

function principalLabel(t: TFunction, type: PrincipalType): string {
  return t(`setup.sharing.principal.${type}`);
}

/**
 * An object's sharing rules: records meeting the criteria are shared, for reading or for
 * editing, with a department (and the departments below it), a role, a team or a user. Like
 * validation rules they are part of the object's definition, saved as a whole list.
 */
export default function SharingRules({ object }: { object: ObjectMeta }) {
  const { t, label, lang } = useI18n();
  const rules = useMemo(() => (object as SetupObject).sharing_rules ?? [], [object]);
  const resolve = useCallback((path: string) => getField(object, path), [object]);
  const titles = useTitles(rules, resolve);
  const list = useRuleList(rules, (next) => setupApi.updateObject(object.name, { sharing_rules: next }), 'sharing', {
    created: t('setup.sharing.created'),
    saved: t('setup.sharing.saved'),
    deleted: t('setup.sharing.deleted'),
    confirm: (name) => ({
      title: t('setup.sharing.deleteConfirm', { name }),
      content: t('setup.sharing.deleteHelp'),
      okButtonProps: { 'data-testid': 'confirm-delete-sharing' } as never,
    }),
  });

  const summary = (rule: SharingRuleDef) => {
    const value = criteriaValue(rule.criteria, resolve);
    if (value.kind === 'raw') return <code className="ky-setup-mono">{JSON.stringify(value.tree)}</code>;
    if (!value.state.conditions.length) return <span className="ky-page-sub">{t('setup.sharing.allRecords')}</span>;
    const state = withTitles(value.state, resolve, titles);
    const joiner = ` ${t(state.match === 'or' ? 'filter.or' : 'filter.and')} `;
    return state.conditions.map((c) => describeCondition(c, resolve(c.field), t, lang, (f) => label(f.labels, f.name))).join(joiner);
  };

  return (
    <div className="ky-setup-panel" data-testid="sharing-rules">
      <div className="ky-setup-toolbar">
        <span className="ky-page-sub">{t('setup.sharing.help')}</span>
        <Button type="primary" icon={<PlusOutlined />} data-testid="sharing-new" onClick={() => list.edit(null)}>
          {t('setup.sharing.new')}
        </Button>
      </div>
      <Table<SharingRuleDef>
        rowKey="name"
        size="small"
        pagination={false}
        dataSource={rules}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.sharing.empty')} /> }}
        onRow={(r) => ({ 'data-testid': `sharing-row-${r.name}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('setup.apiName'), dataIndex: 'name', render: (n: string) => <span className="ky-setup-mono">{n}</span> },
          { title: t('setup.sharing.criteria'), key: 'criteria', render: (_, r) => summary(r) },
          {
            title: t('setup.sharing.sharedWith'),
            key: 'principal',
            render: (_, r) => (
              <Space size={4}>
                <Tag>{principalLabel(t, r.principal_type)}</Tag>
                <span>{titles[r.principal_id] ?? r.principal_id}</span>
              </Space>
            ),
          },
          {
            title: t('setup.sharing.access'),
            dataIndex: 'access',
            width: 120,
            render: (a: 'read' | 'edit') => <Tag color={a === 'edit' ? 'blue' : undefined}>{t(`setup.sharing.access.${a}`)}</Tag>,
          },
          ...list.columns,
        ]}
      />
      <SharingRuleModal object={object} rules={rules} titles={titles} {...list.modal} />
    </div>
  );
}

/** The criteria input: the filter builder, or a tree it cannot show (kept until replaced). */
function CriteriaInput({ object, value, onChange }: { object: ObjectMeta; value?: CriteriaValue; onChange?: (v: CriteriaValue) => void }) {
  const { t } = useI18n();
  if (!value) return null;
  if (value.kind === 'raw') {
    return (
      <Alert
        type="info"
        showIcon
        message={t('setup.sharing.rawCriteria')}
        description={<code className="ky-setup-mono">{JSON.stringify(value.tree)}</code>}
        action={
          <Button size="small" onClick={() => onChange?.({ kind: 'builder', state: { match: 'and', conditions: [] } })}>
            {t('setup.sharing.replaceCriteria')}
          </Button>
        }
      />
    );
  }
  return <FilterBuilder object={object} value={value.state} onChange={(state) => onChange?.({ kind: 'builder', state })} />;
}

/** The principal input: a type-ahead over the records of the chosen kind, picked by name. */
function PrincipalInput({ type, value, onChange, id }: { type: PrincipalType; value?: LookupValue | null; onChange?: (v: LookupValue | null) => void; id?: string }) {
  return <LookupSelect key={type} id={id} target={type} value={value ?? null} onChange={(v) => onChange?.(v)} allowClear />;
}

interface ModalProps {
  object: ObjectMeta;
  rules: SharingRuleDef[];
  titles: Record<string, string>;
  index: number | null;
  open: boolean;
  onClose: () => void;
  onSaved: (created: boolean) => void | Promise<void>;
}

export function SharingRuleModal({ object, rules, titles, index, open, onClose, onSaved }: ModalProps) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const [form] = Form.useForm<SharingRuleForm>();
  const editing = index !== null ? rules[index] ?? null : null;
  const principalType = (Form.useWatch('principal_type', form) ?? editing?.principal_type ?? 'department') as PrincipalType;
  const resolve = (path: string) => getField(object, path);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(sharingRuleToForm(editing, resolve, titles) as Parameters<typeof form.setFieldsValue>[0]);
    // Filled when the dialog opens or another rule is edited, not when titles arrive or the page
    // re-renders: that would overwrite what the administrator is typing.
  }, [open, editing, form]); // eslint-disable-line react-hooks/exhaustive-deps -- see above

  const { modalProps, errors } = useModalSubmit(
    form,
    open,
    async (values) => {
      const rule = sharingRuleFromForm(values, resolve, { timeZone: fmt.timeZone });
      await setupApi.updateObject(object.name, { sharing_rules: upsertRule(rules, index, rule) });
      await onSaved(index === null);
    },
    (errs) => ruleErrors(errs, 'sharing_rules', index ?? rules.length, INPUTS),
  );

  return (
    <Modal
      open={open}
      width={820}
      title={editing ? t('setup.sharing.edit', { name: editing.name }) : t('setup.sharing.new')}
      onCancel={onClose}
      {...modalProps('sharing-save')}
    >
      {errors('sharing-errors')}
      <Form
        form={form}
        layout="vertical"
        onValuesChange={(changed: Partial<SharingRuleForm>) => {
          if ('principal_type' in changed) form.setFieldsValue({ principal: null });
        }}
      >
        <Form.Item name="name" label={t('setup.apiName')} rules={nameRules(t)} extra={t('setup.sharing.nameHelp')}>
          <Input className="ky-setup-mono" maxLength={48} data-testid="sharing-name" />
        </Form.Item>
        <Form.Item
          name="criteria"
          label={t('setup.sharing.criteria')}
          extra={t('setup.sharing.criteriaHelp')}
          rules={[
            {
              validator: (_, v: CriteriaValue) =>
                v && incompleteConditions(v, resolve) > 0 ? Promise.reject(new Error(t('setup.sharing.incomplete'))) : Promise.resolve(),
            },
          ]}
        >
          <CriteriaInput object={object} />
        </Form.Item>
        <Form.Item name="principal_type" label={t('setup.sharing.sharedWith')}>
          <Radio.Group
            optionType="button"
            options={PRINCIPAL_TYPES.map((p) => ({ value: p, label: principalLabel(t, p) }))}
            data-testid="sharing-principal-type"
          />
        </Form.Item>
        <Form.Item
          name="principal"
          label={principalLabel(t, principalType)}
          extra={principalType === 'department' ? t('setup.sharing.departmentHelp') : undefined}
          rules={[{ required: true, message: t('setup.sharing.principalRequired') }]}
        >
          <PrincipalInput type={principalType} />
        </Form.Item>
        <Form.Item name="access" label={t('setup.sharing.access')}>
          <Radio.Group
            options={(['read', 'edit'] as const).map((a) => ({ value: a, label: t(`setup.sharing.access.${a}`) }))}
            data-testid="sharing-access"
          />
        </Form.Item>
        <Form.Item name="active" label={t('setup.rules.active')} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
