import type { FieldMeta, FieldType, ObjectMeta } from '../api/types';

export function field(name: string, type: FieldType, extra: Partial<FieldMeta> = {}): FieldMeta {
  return { name, type, labels: { en: name.replace(/_/g, ' '), 'zh-CN': `字段${name}` }, required: false, read_only: false, ...extra };
}

const system: FieldMeta[] = [
  field('id', 'text', { read_only: true }),
  field('version', 'integer', { read_only: true }),
  field('created_at', 'datetime', { read_only: true }),
  field('updated_at', 'datetime', { read_only: true }),
  field('created_by', 'lookup', { read_only: true, target: 'user' }),
  field('updated_by', 'lookup', { read_only: true, target: 'user' }),
  field('owner_id', 'owner', { read_only: true, target: 'user' }),
];

export const STAGES = [
  { value: 'prospecting', labels: { en: 'Prospecting', 'zh-CN': '初步接洽' } },
  { value: 'won', labels: { en: 'Closed won', 'zh-CN': '赢单' }, color: 'green' },
  { value: 'lost', labels: { en: 'Closed lost', 'zh-CN': '输单' } },
];

export const account: ObjectMeta = {
  name: 'account',
  labels: { en: 'Account', 'zh-CN': '客户' },
  plural_labels: { en: 'Accounts', 'zh-CN': '客户' },
  name_field: 'name',
  icon: 'bank',
  custom: false,
  features: { owner: true, activities: true, search: true },
  fields: [
    field('name', 'text', { required: true, labels: { en: 'Account name', 'zh-CN': '客户名称' } }),
    field('industry', 'picklist', {
      options: [
        { value: 'manufacturing', labels: { en: 'Manufacturing', 'zh-CN': '制造业' } },
        { value: 'it', labels: { en: 'IT', 'zh-CN': '信息技术' } },
      ],
    }),
    field('phone', 'phone'),
    field('website', 'url'),
    field('employees', 'integer'),
    field('annual_revenue', 'currency'),
    field('description', 'long_text'),
    ...system,
  ],
};

export const opportunity: ObjectMeta = {
  name: 'opportunity',
  labels: { en: 'Opportunity', 'zh-CN': '商机' },
  plural_labels: { en: 'Opportunities', 'zh-CN': '商机' },
  name_field: 'name',
  icon: 'fund',
  features: { owner: true, activities: true, search: true },
  fields: [
    field('name', 'text', { required: true }),
    field('account', 'lookup', { target: 'account', required: true }),
    field('stage', 'picklist', { options: STAGES }),
    field('amount', 'currency', { scale: 2 }),
    field('probability', 'percent'),
    field('close_date', 'date'),
    field('tags', 'multi_picklist', { options: STAGES }),
    field('is_key', 'boolean'),
    field('next_call', 'datetime'),
    field('code', 'auto_number', { read_only: true }),
    field('weighted', 'formula', { read_only: true, return_type: 'currency', expression: 'amount * probability / 100' }),
    ...system,
  ],
};

export const contact: ObjectMeta = {
  name: 'contact',
  labels: { en: 'Contact', 'zh-CN': '联系人' },
  name_field: 'name',
  fields: [field('name', 'text'), field('account', 'lookup', { target: 'account' }), field('email', 'email'), ...system],
};

export const OBJECTS = [account, opportunity, contact];
