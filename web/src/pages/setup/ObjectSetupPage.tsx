import { DeleteOutlined, ExportOutlined, PlusOutlined, RightOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Col, Form, Input, Result, Row, Select, Space, Table, Tabs, Tag } from 'antd';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import type { ObjectMeta } from '../../api/types';
import { ObjectIcon } from '../../components/ObjectIcon';
import { FieldDrawer } from '../../components/setup/FieldDrawer';
import { labelRule, objectIconOptions } from '../../components/setup/NewObjectModal';
import { RowActions } from '../../components/setup/RowActions';
import { errorMessage, FullPageSpinner } from '../../components/Status';
import { useI18n, type MessageKey } from '../../i18n';
import { useMetadata } from '../../state/metadata';
import { setupApi, type SetupField } from './api';
import { labelsOf } from './fieldForm';

const LayoutEditor = lazy(() => import('../../components/setup/LayoutEditor'));
const ValidationRules = lazy(() => import('../../components/setup/ValidationRules'));
const SharingRules = lazy(() => import('../../components/setup/SharingRules'));

/** One object's setup: its fields, its page layout, its rules and its labels. */
export default function ObjectSetupPage() {
  const { object: name = '' } = useParams();
  const { getObject, loading } = useMetadata();
  const { t } = useI18n();
  const obj = getObject(name);
  if (!obj) return loading ? <FullPageSpinner /> : <Result status="404" title={t('common.objectNotFound', { name })} />;
  return <ObjectSetup key={obj.name} object={obj} />;
}

function ObjectSetup({ object }: { object: ObjectMeta }) {
  const { t, label } = useI18n();
  const { reload } = useMetadata();
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') || 'fields';

  const removeObject = () => {
    modal.confirm({
      title: t('setup.objects.deleteConfirm', { name: label(object.labels, object.name) }),
      content: t('setup.objects.deleteHelp'),
      okType: 'danger',
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await setupApi.deleteObject(object.name);
          message.success(t('setup.objects.deleted'));
          navigate('/setup/objects');
          await reload();
        } catch (e) {
          message.error(errorMessage(e, t));
        }
      },
    });
  };

  return (
    <div>
      <div className="ky-crumbs" style={{ marginBottom: 8 }}>
        <Link to="/setup/objects">{t('setup.objects.title')}</Link>
        <RightOutlined />
        <span className="ky-crumb-current">{label(object.labels, object.name)}</span>
      </div>
      <div className="ky-setup-objhead">
        <ObjectIcon name={object.name} icon={object.icon} size={40} />
        <div className="ky-grow">
          <h2 data-testid="setup-object-title">{label(object.labels, object.name)}</h2>
          <Space size={6}>
            <span className="ky-setup-mono">{object.name}</span>
            {object.custom ? <Tag color="blue">{t('setup.custom')}</Tag> : <Tag>{t('setup.standard')}</Tag>}
          </Space>
        </div>
        <Space>
          <Link to={`/o/${object.name}`}>
            <Button icon={<ExportOutlined />}>{t('setup.objects.openRecords')}</Button>
          </Link>
          {object.custom && (
            <Button danger icon={<DeleteOutlined />} onClick={removeObject} data-testid="object-delete">
              {t('setup.objects.delete')}
            </Button>
          )}
        </Space>
      </div>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams(k === 'fields' ? {} : { tab: k }, { replace: true })}
        items={[
          { key: 'fields', label: t('setup.tab.fields'), children: <FieldsTab object={object} /> },
          {
            key: 'layout',
            label: t('setup.tab.layout'),
            children: (
              <Suspense fallback={<FullPageSpinner />}>
                <LayoutEditor object={object} />
              </Suspense>
            ),
          },
          {
            key: 'validation',
            label: t('setup.tab.validation'),
            children: (
              <Suspense fallback={<FullPageSpinner />}>
                <ValidationRules object={object} />
              </Suspense>
            ),
          },
          {
            key: 'sharing',
            label: t('setup.tab.sharing'),
            children: (
              <Suspense fallback={<FullPageSpinner />}>
                <SharingRules object={object} />
              </Suspense>
            ),
          },
          { key: 'settings', label: t('setup.tab.settings'), children: <SettingsTab object={object} /> },
        ]}
      />
    </div>
  );
}

function FieldsTab({ object }: { object: ObjectMeta }) {
  const { t, label } = useI18n();
  const { reload } = useMetadata();
  const { message, modal } = App.useApp();
  const [editing, setEditing] = useState<SetupField | null>(null);
  const [open, setOpen] = useState(false);
  // Business fields first; the system columns every object has come last.
  const all = object.fields as SetupField[];
  const fields = [...all.filter((f) => !f.system), ...all.filter((f) => f.system)];
  const { getObject } = useMetadata();

  const remove = (f: SetupField) => {
    modal.confirm({
      title: t('setup.fields.deleteConfirm', { name: label(f.labels, f.name) }),
      content: t('setup.fields.deleteHelp'),
      okType: 'danger',
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'confirm-delete-field' } as never,
      onOk: async () => {
        try {
          await setupApi.deleteField(object.name, f.name);
          // The list is current when the confirmation shows.
          await reload();
          message.success(t('setup.fields.deleted'));
        } catch (e) {
          message.error(errorMessage(e, t));
          throw e;
        }
      },
    });
  };

  return (
    <div className="ky-setup-panel">
      <div className="ky-setup-toolbar">
        <span className="ky-page-sub">{t('setup.fields.systemNote')}</span>
        <Button
          type="primary"
          icon={<PlusOutlined />}
          data-testid="field-new"
          onClick={() => {
            setEditing(null);
            setOpen(true);
          }}
        >
          {t('setup.fields.new')}
        </Button>
      </div>
      <Table<SetupField>
        rowKey="name"
        size="small"
        pagination={false}
        dataSource={fields}
        rowClassName={(f) => (f.system ? 'ky-row-muted' : '')}
        columns={[
          {
            title: t('setup.fields.label'),
            key: 'label',
            render: (_, f) => (
              <Space size={6}>
                <span>{label(f.labels, f.name)}</span>
                {f.required && <Tag color="red">{t('setup.fields.required')}</Tag>}
                {f.unique && <Tag>{t('setup.fields.unique')}</Tag>}
              </Space>
            ),
          },
          { title: t('setup.apiName'), dataIndex: 'name', render: (n: string) => <span className="ky-setup-mono">{n}</span> },
          {
            title: t('setup.fields.type'),
            key: 'type',
            render: (_, f) => {
              const base = t(`setup.type.${f.type}` as MessageKey);
              if (f.target && (f.type === 'lookup' || f.type === 'master_detail')) {
                const target = getObject(f.target);
                return `${base} → ${target ? label(target.labels, target.name) : f.target}`;
              }
              if (f.type === 'picklist' || f.type === 'multi_picklist') return `${base} (${f.options?.length ?? 0})`;
              return base;
            },
          },
          {
            title: t('setup.objects.kind'),
            key: 'kind',
            render: (_, f) => (f.system ? <Tag>{t('setup.system')}</Tag> : f.custom ? <Tag color="blue">{t('setup.custom')}</Tag> : <Tag>{t('setup.standard')}</Tag>),
          },
          {
            key: 'actions',
            align: 'right',
            width: 96,
            render: (_, f) =>
              f.system ? null : (
                <RowActions
                  name={f.name}
                  testId="field"
                  onEdit={() => {
                    setEditing(f);
                    setOpen(true);
                  }}
                  onDelete={f.custom && f.name !== object.name_field ? () => remove(f) : undefined}
                  deleteLabel={t('setup.fields.delete')}
                />
              ),
          },
        ]}
      />
      <FieldDrawer
        object={object}
        field={editing}
        open={open}
        onClose={() => setOpen(false)}
        onSaved={async (name, created) => {
          setOpen(false);
          // Reloaded first: when "saved" shows, the list (and the drawer, opened again) has it.
          await reload();
          message.success(created ? t('setup.fields.created', { name }) : t('setup.fields.saved'));
        }}
      />
    </div>
  );
}

interface SettingsValues {
  label_en?: string;
  label_zh?: string;
  plural_en?: string;
  plural_zh?: string;
  icon?: string | null;
  name_field?: string;
  features?: string[];
}

const FEATURES = ['owner', 'activities', 'search', 'history', 'pool'] as const;

function SettingsTab({ object }: { object: ObjectMeta }) {
  const { t, label } = useI18n();
  const { reload } = useMetadata();
  const { message } = App.useApp();
  const [form] = Form.useForm<SettingsValues>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const features = object.features ?? {};

  const save = async () => {
    const v = await form.validateFields();
    setSaving(true);
    setError(null);
    try {
      const plural = labelsOf(v.plural_en, v.plural_zh);
      await setupApi.updateObject(object.name, {
        labels: labelsOf(v.label_en, v.label_zh),
        plural_labels: Object.keys(plural).length ? plural : labelsOf(v.label_en, v.label_zh),
        icon: v.icon || null,
        features: Object.fromEntries(FEATURES.map((f) => [f, (v.features ?? []).includes(f)])),
        ...(v.name_field && v.name_field !== object.name_field ? { name_field: v.name_field } : {}),
      });
      await reload();
      message.success(t('setup.settings.saved'));
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        for (const fe of e.fieldErrors) {
          const key = ({ labels: 'label_en', plural_labels: 'plural_en', icon: 'icon', name_field: 'name_field', features: 'features' } as Record<string, keyof SettingsValues>)[(fe.field ?? '').split('.')[0]];
          if (key) form.setFields([{ name: key, errors: [fe.message] }]);
        }
      }
      setError(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="ky-setup-panel" style={{ maxWidth: 760 }}>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          label_en: object.labels.en ?? '',
          label_zh: object.labels['zh-CN'] ?? '',
          plural_en: object.plural_labels?.en ?? '',
          plural_zh: object.plural_labels?.['zh-CN'] ?? '',
          icon: object.icon ?? null,
          name_field: object.name_field,
          features: FEATURES.filter((f) => !!features[f]),
        }}
      >
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="label_en" label={t('setup.labelEn')} dependencies={['label_zh']} rules={[labelRule(t)]}>
              <Input data-testid="settings-label-en" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="label_zh" label={t('setup.labelZh')}>
              <Input data-testid="settings-label-zh" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="plural_en" label={t('setup.pluralEn')}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="plural_zh" label={t('setup.pluralZh')}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="icon" label={t('setup.objects.icon')}>
              <Select
                allowClear
                showSearch
                options={objectIconOptions()}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="name_field" label={t('setup.objects.nameField')}>
              <Select
                options={(object.fields as SetupField[])
                  .filter((f) => !f.system && ['text', 'auto_number', 'email', 'phone', 'formula'].includes(f.type))
                  .map((f) => ({ value: f.name, label: `${label(f.labels, f.name)} (${f.name})` }))}
              />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="features" label={t('setup.objects.features')} extra={t('setup.feature.fixed')}>
          <Checkbox.Group
            style={{ display: 'grid', gap: 4 }}
            options={FEATURES.map((f) => ({ value: f, label: t(`setup.feature.${f}`), disabled: f === 'owner' || f === 'pool' }))}
          />
        </Form.Item>
        <Button type="primary" loading={saving} onClick={() => void save().catch(() => undefined)} data-testid="settings-save">
          {t('common.save')}
        </Button>
      </Form>
    </div>
  );
}
