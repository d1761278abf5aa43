import { KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Col, Empty, Form, Input, Modal, Row, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import type { RecordData } from '../../api/types';
import { labelRule } from '../../components/setup/NewObjectModal';
import { useModalSubmit, type FormErrors } from '../../components/setup/modalSubmit';
import { actionsColumn } from '../../components/setup/RowActions';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { setupApi, type SsoProvider } from './api';
import { PROVIDER_NAME_RE, providerErrorTarget, providerPayload, providerToForm, suggestProviderName, type SsoProviderForm } from './sso';

/**
 * Single sign-on (OpenID Connect) providers of the company: each becomes a "Sign in with …"
 * button on the login page. The client secret is write-only — the API only says whether one is
 * stored — and the redirect URI to register at the provider is shown to copy.
 */
export default function SsoPage() {
  const { t, label } = useI18n();
  const { message, modal } = App.useApp();
  const [providers, setProviders] = useState<SsoProvider[] | null>(null);
  const [redirectUri, setRedirectUri] = useState('');
  const [roles, setRoles] = useState<RecordData[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<SsoProvider | null>(null);
  const [open, setOpen] = useState(false);

  const load = useCallback(() => {
    setError(null);
    setupApi
      .ssoProviders()
      .then((answer) => {
        setProviders(answer.providers);
        setRedirectUri(answer.redirect_uri);
      })
      .catch(setError);
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    setupApi
      .roles()
      .then((page) => setRoles(page.records))
      .catch(() => setRoles([])); // the role picker stays empty; the server still checks
  }, []);

  const roleName = (id: string | null) => {
    const role = roles.find((r) => r.id === id);
    return role ? String(role.name ?? role.id) : id;
  };

  const edit = (p: SsoProvider | null) => {
    setEditing(p);
    setOpen(true);
  };

  const remove = (p: SsoProvider) => {
    modal.confirm({
      title: t('setup.sso.deleteConfirm', { name: label(p.labels, p.name) }),
      content: t('setup.sso.deleteHelp'),
      okType: 'danger',
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'confirm-delete-sso' } as never,
      onOk: async () => {
        try {
          await setupApi.deleteSsoProvider(p.id);
          message.success(t('setup.sso.deleted'));
          setProviders((list) => (list ?? []).filter((x) => x.id !== p.id));
        } catch (e) {
          message.error(errorMessage(e, t));
          throw e;
        }
      },
    });
  };

  return (
    <div className="ky-setup-panel" data-testid="sso-page">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.sso.title')}</h2>
        <Button
          type="primary"
          icon={<PlusOutlined />}
          data-testid="sso-new"
          onClick={() => edit(null)}
        >
          {t('setup.sso.new')}
        </Button>
      </div>
      <p className="ky-page-sub">{t('setup.sso.help')}</p>
      {redirectUri && <RedirectUri uri={redirectUri} />}
      {error ? (
        <ErrorResult error={error} onRetry={load} />
      ) : (
        <Table<SsoProvider>
          rowKey="id"
          size="small"
          loading={providers === null}
          dataSource={providers ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.sso.empty')} /> }}
          onRow={(p) => ({ 'data-testid': `sso-row-${p.name}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t('setup.sso.button'),
              key: 'label',
              render: (_, p) => (
                <div>
                  <Space size={6}>
                    <KeyOutlined />
                    <span>{label(p.labels, p.name)}</span>
                  </Space>
                  <div className="ky-setup-mono">{p.name}</div>
                </div>
              ),
            },
            { title: t('setup.sso.issuer'), dataIndex: 'issuer', render: (v: string) => <span className="ky-setup-mono">{v}</span> },
            { title: t('setup.sso.clientId'), dataIndex: 'client_id', render: (v: string) => <span className="ky-setup-mono">{v}</span> },
            {
              title: t('setup.sso.secret'),
              key: 'secret',
              width: 110,
              render: (_, p) => (p.has_client_secret ? <Tag color="green">{t('setup.sso.secretSet')}</Tag> : <Tag>{t('setup.sso.secretNone')}</Tag>),
            },
            {
              title: t('setup.sso.newUsers'),
              key: 'provision',
              render: (_, p) => (
                <Space size={4} wrap>
                  {p.provision_users ? t('setup.sso.provisionAs', { role: roleName(p.default_role) ?? '—' }) : <span className="ky-page-sub">{t('setup.sso.existingOnly')}</span>}
                  {p.trust_email && (
                    <Tooltip title={t('setup.sso.trustEmailHelp')}>
                      <Tag color="orange" data-testid={`sso-trusts-email-${p.name}`}>
                        {t('setup.sso.trustsEmail')}
                      </Tag>
                    </Tooltip>
                  )}
                </Space>
              ),
            },
            {
              title: t('setup.sso.status'),
              key: 'enabled',
              width: 100,
              render: (_, p) => (p.enabled ? <Tag color="blue">{t('setup.sso.enabled')}</Tag> : <Tag>{t('setup.sso.disabled')}</Tag>),
            },
            actionsColumn<SsoProvider>('sso', edit, remove),
          ]}
        />
      )}
      <ProviderModal
        provider={editing}
        open={open}
        roles={roles}
        redirectUri={redirectUri}
        onClose={() => setOpen(false)}
        onSaved={(saved, created) => {
          setOpen(false);
          message.success(created ? t('setup.sso.created') : t('setup.sso.saved'));
          setProviders((list) => (created ? [...(list ?? []), saved].sort((a, b) => a.name.localeCompare(b.name)) : (list ?? []).map((p) => (p.id === saved.id ? saved : p))));
        }}
      />
    </div>
  );
}

function RedirectUri({ uri }: { uri: string }) {
  const { t } = useI18n();
  return (
    <Alert
      type="info"
      showIcon
      style={{ marginBottom: 12 }}
      message={t('setup.sso.redirectUri')}
      description={
        <Typography.Text code copyable={{ text: uri }} data-testid="sso-redirect-uri">
          {uri}
        </Typography.Text>
      }
    />
  );
}

interface ModalProps {
  provider: SsoProvider | null;
  open: boolean;
  roles: RecordData[];
  redirectUri: string;
  onClose: () => void;
  onSaved: (saved: SsoProvider, created: boolean) => void;
}

function ProviderModal({ provider, open, roles, redirectUri, onClose, onSaved }: ModalProps) {
  const { t } = useI18n();
  const [form] = Form.useForm<SsoProviderForm>();
  const [nameTouched, setNameTouched] = useState(false);
  const provision = Form.useWatch('provision_users', form) as boolean | undefined;
  const clearing = Form.useWatch('clear_secret', form) as boolean | undefined;
  const editing = !!provider;

  useEffect(() => {
    if (!open) return;
    setNameTouched(editing);
    form.resetFields();
    form.setFieldsValue(providerToForm(provider));
  }, [open, provider, editing, form]);

  const { modalProps, errors } = useModalSubmit(
    form,
    open,
    async (values) => {
      const body = providerPayload(values, provider);
      const saved = provider ? await setupApi.updateSsoProvider(provider.id, body) : await setupApi.createSsoProvider(body);
      onSaved(saved, !provider);
    },
    (errs) => {
      const mapped: FormErrors = { fields: [], general: [] };
      for (const fe of errs) {
        const target = providerErrorTarget(fe.field);
        if (target) mapped.fields.push({ name: target, errors: [fe.message] });
        else mapped.general.push(fe.message);
      }
      return mapped;
    },
  );

  return (
    <Modal
      open={open}
      width={720}
      title={provider ? t('setup.sso.edit', { name: provider.name }) : t('setup.sso.new')}
      onCancel={onClose}
      {...modalProps('sso-save')}
    >
      {errors('sso-errors')}
      <Form
        form={form}
        layout="vertical"
        onValuesChange={(changed: Partial<SsoProviderForm>) => {
          if ('name' in changed) setNameTouched(true);
          if ('label_en' in changed && !nameTouched) form.setFieldsValue({ name: suggestProviderName(changed.label_en ?? '') });
        }}
      >
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="label_en" label={t('setup.sso.labelEn')} dependencies={['label_zh']} rules={[labelRule(t)]} extra={t('setup.sso.labelHelp')}>
              <Input maxLength={100} data-testid="sso-label-en" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="label_zh" label={t('setup.sso.labelZh')}>
              <Input maxLength={100} data-testid="sso-label-zh" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item
          name="name"
          label={t('setup.apiName')}
          extra={t('setup.sso.nameHelp')}
          rules={[
            { required: true, message: t('setup.nameRequired') },
            { pattern: PROVIDER_NAME_RE, message: t('setup.sso.nameInvalid') },
          ]}
        >
          <Input className="ky-setup-mono" maxLength={48} disabled={editing} data-testid="sso-name" />
        </Form.Item>
        <Form.Item name="issuer" label={t('setup.sso.issuer')} extra={t('setup.sso.issuerHelp')} rules={[{ required: true, whitespace: true, message: t('setup.sso.issuerRequired') }]}>
          <Input className="ky-setup-mono" maxLength={500} placeholder="https://login.example.com/realms/acme" data-testid="sso-issuer" />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="client_id" label={t('setup.sso.clientId')} rules={[{ required: true, whitespace: true, message: t('setup.sso.clientIdRequired') }]}>
              <Input className="ky-setup-mono" maxLength={255} data-testid="sso-client-id" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              name="client_secret"
              label={t('setup.sso.clientSecret')}
              extra={provider?.has_client_secret ? t('setup.sso.secretStored') : t('setup.sso.secretHelp')}
            >
              <Input.Password
                autoComplete="new-password"
                maxLength={500}
                disabled={!!clearing}
                placeholder={provider?.has_client_secret ? t('setup.sso.secretKeep') : undefined}
                data-testid="sso-client-secret"
              />
            </Form.Item>
            {provider?.has_client_secret && (
              <Form.Item name="clear_secret" valuePropName="checked" style={{ marginTop: -12 }}>
                <Checkbox data-testid="sso-clear-secret">{t('setup.sso.secretRemove')}</Checkbox>
              </Form.Item>
            )}
          </Col>
        </Row>
        <Form.Item name="scopes" label={t('setup.sso.scopes')} extra={t('setup.sso.scopesHelp')}>
          <Select mode="tags" tokenSeparators={[' ', ',']} notFoundContent={null} data-testid="sso-scopes" />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="provision_users" label={t('setup.sso.provision')} valuePropName="checked" extra={t('setup.sso.provisionHelp')}>
              <Switch data-testid="sso-provision" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              name="default_role"
              label={t('setup.sso.defaultRole')}
              rules={[{ required: !!provision, message: t('setup.sso.defaultRoleRequired') }]}
            >
              <Select
                allowClear
                showSearch
                optionFilterProp="label"
                disabled={!provision}
                options={roles.map((r) => ({ value: r.id, label: String(r.name ?? r.id) }))}
                data-testid="sso-default-role"
              />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="trust_email" label={t('setup.sso.trustEmail')} valuePropName="checked" extra={t('setup.sso.trustEmailHelp')}>
          <Switch data-testid="sso-trust-email" />
        </Form.Item>
        <Form.Item name="enabled" label={t('setup.sso.enabledLabel')} valuePropName="checked">
          <Switch data-testid="sso-enabled" />
        </Form.Item>
      </Form>
      {redirectUri && <RedirectUri uri={redirectUri} />}
    </Modal>
  );
}
