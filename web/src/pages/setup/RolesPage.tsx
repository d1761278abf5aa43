import { ApartmentOutlined, PlusOutlined, SafetyCertificateOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, App, Button, Empty, Form, Input, List, Modal, Space } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import type { RecordData } from '../../api/types';
import { PermissionMatrix } from '../../components/setup/PermissionMatrix';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { setupApi } from './api';

/**
 * Roles are records of the `role` object; their permission matrix lives behind
 * /roles/{id}/permissions. Departments (a tree) and users have their own Setup screens.
 */
export default function RolesPage() {
  const { t } = useI18n();
  const { roleId } = useParams();
  const navigate = useNavigate();
  const [roles, setRoles] = useState<RecordData[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);

  const load = useCallback(() => {
    setError(null);
    setupApi
      .roles()
      .then((page) => setRoles(page.records))
      .catch(setError);
  }, []);
  useEffect(load, [load]);

  const current = roles?.find((r) => r.id === roleId);

  return (
    <div className="ky-roles">
      <div className="ky-setup-panel">
        <div className="ky-setup-toolbar" style={{ marginBottom: 8 }}>
          <h2>{t('setup.roles.title')}</h2>
          <Button size="small" type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="role-new">
            {t('setup.roles.new')}
          </Button>
        </div>
        {error ? (
          <ErrorResult error={error} onRetry={load} />
        ) : (
          <List
            className="ky-roles-list"
            loading={roles === null}
            dataSource={roles ?? []}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.roles.empty')} /> }}
            renderItem={(r) => (
              <List.Item className={r.id === roleId ? 'is-active' : ''} onClick={() => navigate(`/setup/roles/${r.id}`)} data-testid="role-item">
                <Space>
                  <SafetyCertificateOutlined />
                  <span>{String(r.name ?? r.id)}</span>
                </Space>
              </List.Item>
            )}
          />
        )}
        <div style={{ marginTop: 12, display: 'grid', gap: 4 }}>
          <Link to="/setup/departments">
            <ApartmentOutlined /> {t('setup.roles.departments')}
          </Link>
          <Link to="/o/user">
            <UserOutlined /> {t('setup.roles.users')}
          </Link>
        </div>
      </div>
      <div className="ky-setup-panel">
        {current ? (
          <>
            <div className="ky-setup-toolbar">
              <h2 data-testid="role-title">{String(current.name ?? '')}</h2>
              <Link to={`/o/role/${current.id}`}>{t('common.edit')}</Link>
            </div>
            {typeof current.description === 'string' && current.description && <p className="ky-page-sub">{current.description}</p>}
            <PermissionMatrix roleId={current.id} />
          </>
        ) : (
          <Empty description={roles && roles.length === 0 ? t('setup.roles.empty') : t('setup.roles.pick')} />
        )}
      </div>
      <NewRoleModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(role) => {
          setCreating(false);
          setRoles((rs) => [...(rs ?? []), role]);
          navigate(`/setup/roles/${role.id}`);
        }}
      />
    </div>
  );
}

function NewRoleModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (r: RecordData) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ name: string; description?: string }>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    setError(null);
    try {
      const role = await setupApi.createRole({ name: v.name.trim(), ...(v.description?.trim() ? { description: v.description.trim() } : {}) });
      message.success(t('setup.roles.created', { name: v.name.trim() }));
      form.resetFields();
      onCreated(role);
    } catch (e) {
      if (e instanceof ApiError) {
        for (const fe of e.fieldErrors) if (fe.field === 'name' || fe.field === 'description') form.setFields([{ name: fe.field, errors: [fe.message] }]);
      }
      setError(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open={open}
      title={t('setup.roles.new')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      confirmLoading={saving}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'role-save' } as never}
    >
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={t('setup.roles.name')} rules={[{ required: true, whitespace: true, message: t('setup.roles.name') }]}>
          <Input maxLength={100} data-testid="role-name" />
        </Form.Item>
        <Form.Item name="description" label={t('setup.roles.description')}>
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 5 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
