import { Alert, Checkbox, Col, Form, Input, Modal, Row, Select } from 'antd';
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { setupApi, type NewObject } from '../../pages/setup/api';
import { labelsOf, suggestName } from '../../pages/setup/fieldForm';
import { ObjectIcon } from '../ObjectIcon';
import { errorMessage } from '../Status';

export const OBJECT_ICONS = [
  'appstore', 'database', 'tool', 'car', 'gift', 'trophy', 'star', 'tags', 'project', 'rocket', 'shop',
  'shopping-cart', 'solution', 'schedule', 'calendar', 'book', 'file-text', 'file-done', 'container',
  'wallet', 'dollar', 'idcard', 'team', 'global', 'home', 'mail', 'phone', 'flag', 'safety-certificate',
];

/** The icon picker's choices, each shown with its icon (new object and object settings). */
export function objectIconOptions() {
  return OBJECT_ICONS.map((i) => ({
    value: i,
    label: (
      <span style={{ display: 'inline-flex', alignItems: 'center', gap: 8 }}>
        <ObjectIcon name="x" icon={i} size={20} /> {i}
      </span>
    ),
  }));
}

interface Values {
  name: string;
  label_en?: string;
  label_zh?: string;
  plural_en?: string;
  plural_zh?: string;
  icon?: string;
  features: string[];
}

/** Create a custom object: API name, labels in both languages, icon and features. */
export function NewObjectModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (name: string) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [nameTouched, setNameTouched] = useState(false);

  const submit = async () => {
    const v = await form.validateFields();
    const body: NewObject = {
      name: v.name.trim(),
      labels: labelsOf(v.label_en, v.label_zh),
      icon: v.icon || null,
      features: {
        owner: v.features.includes('owner'),
        activities: v.features.includes('activities'),
        search: v.features.includes('search'),
        history: v.features.includes('history'),
        pool: v.features.includes('pool'),
      },
    };
    const plural = labelsOf(v.plural_en, v.plural_zh);
    if (Object.keys(plural).length) body.plural_labels = plural;
    setSaving(true);
    setGeneral([]);
    try {
      await setupApi.createObject(body);
      form.resetFields();
      setNameTouched(false);
      onCreated(body.name);
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const rest: string[] = [];
        const known: Record<string, keyof Values> = { name: 'name', labels: 'label_en', plural_labels: 'plural_en', icon: 'icon', features: 'features' };
        for (const fe of e.fieldErrors) {
          const key = known[(fe.field ?? '').split('.')[0]];
          if (key) form.setFields([{ name: key, errors: [fe.message] }]);
          else rest.push(fe.message);
        }
        setGeneral(rest);
      } else setGeneral([errorMessage(e, t)]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('setup.objects.new')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      width={620}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'object-save' } as never}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{ features: ['owner', 'search', 'history'], icon: 'appstore' }}
        onValuesChange={(changed: Partial<Values>) => {
          if ('label_en' in changed && !nameTouched) form.setFieldValue('name', suggestName(changed.label_en ?? ''));
          if ('name' in changed) setNameTouched(true);
        }}
      >
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="label_en" label={t('setup.labelEn')} dependencies={['label_zh']} rules={[labelRule(t)]}>
              <Input data-testid="object-label-en" maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="label_zh" label={t('setup.labelZh')}>
              <Input data-testid="object-label-zh" maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="plural_en" label={t('setup.pluralEn')}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="plural_zh" label={t('setup.pluralZh')}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={14}>
            <Form.Item name="name" label={t('setup.apiName')} extra={t('setup.apiNameHelp')} rules={nameRules(t)}>
              <Input data-testid="object-name" className="ky-setup-mono" maxLength={48} />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item name="icon" label={t('setup.objects.icon')}>
              <Select
                showSearch
                options={objectIconOptions()}
              />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="features" label={t('setup.objects.features')} extra={t('setup.feature.fixed')}>
          <Checkbox.Group
            style={{ display: 'grid', gap: 4 }}
            options={(['owner', 'activities', 'search', 'history', 'pool'] as const).map((f) => ({ value: f, label: t(`setup.feature.${f}`) }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

type T = ReturnType<typeof useI18n>['t'];

/** At least one of the two labels (checked on the English input, which shows the message). */
export function labelRule(t: T, other = 'label_zh') {
  return ({ getFieldValue }: { getFieldValue: (n: string) => unknown }) => ({
    validator(_: unknown, value: unknown) {
      const zh = getFieldValue(other);
      if ((typeof value === 'string' && value.trim()) || (typeof zh === 'string' && zh.trim())) return Promise.resolve();
      return Promise.reject(new Error(t('setup.labelRequired')));
    },
  });
}

export function nameRules(t: T) {
  return [
    { required: true, message: t('setup.nameRequired') },
    { pattern: /^[a-z][a-z0-9_]{0,47}$/, message: t('setup.nameInvalid') },
  ];
}
