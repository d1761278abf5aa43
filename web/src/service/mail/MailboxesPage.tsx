import '../../i18n/service-mail';
import { App, Button, Empty, Form, Input, InputNumber, Modal, Popconfirm, Select, Skeleton, Space, Switch, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/endpoints';
import { ApiError } from '../../api/client';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { mailApi, type Mailbox, type MailboxInput } from './api';

interface QueueRow {
  id: string;
  name: string;
  address: string | null;
  mailbox: Mailbox | null;
}

/**
 * Setup › Service mailboxes: each service queue's IMAP mailbox (email to case). The password is
 * write-only — the server answers only whether one is stored — so the form leaves it empty and
 * an empty password keeps the saved one. "Test connection" tries the form as typed, unsaved.
 */
export default function MailboxesPage() {
  const { t } = useI18n();
  const [rows, setRows] = useState<QueueRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<QueueRow | null>(null);

  const load = useCallback(() => {
    setError(null);
    api
      .list('queue', { limit: 200, sort: 'name', fields: ['name', 'email_address'] })
      .then(async (page) => {
        const found = await Promise.all(
          page.records.map(async (r) => ({
            id: String(r.id),
            name: String(r.name ?? ''),
            address: (r.email_address as string | null) ?? null,
            mailbox: await mailApi.get(String(r.id)),
          })),
        );
        setRows(found);
      })
      .catch(setError);
  }, []);
  useEffect(load, [load]);

  return (
    <div className="ky-setup-panel" data-testid="service-mailboxes-page">
      <div className="ky-setup-toolbar">
        <h2>{t('serviceMail.title')}</h2>
      </div>
      <p className="ky-page-sub">{t('serviceMail.help')}</p>
      {error instanceof ApiError && error.status === 404 ? (
        <Empty description={t('serviceMail.notInstalled')} />
      ) : error ? (
        <ErrorResult error={error} onRetry={load} />
      ) : !rows ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : rows.length === 0 ? (
        <Empty description={t('serviceMail.noQueues')} />
      ) : (
        <Table<QueueRow>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={rows}
          columns={[
            { title: t('serviceMail.queue'), dataIndex: 'name' },
            {
              title: t('serviceMail.address'),
              render: (_, row) => row.address ?? <Typography.Text type="secondary">{t('serviceMail.noAddress')}</Typography.Text>,
            },
            { title: t('serviceMail.status'), render: (_, row) => <MailboxStatus mailbox={row.mailbox} /> },
            {
              title: '',
              render: (_, row) => (
                <Space>
                  <Button size="small" data-testid={`mailbox-edit-${row.id}`} onClick={() => setEditing(row)}>
                    {row.mailbox ? t('serviceMail.edit') : t('serviceMail.configure')}
                  </Button>
                  {row.mailbox?.active && <ReadNow queueId={row.id} onDone={load} />}
                </Space>
              ),
            },
          ]}
        />
      )}
      {editing && (
        <MailboxForm
          queue={editing}
          onClose={(changed) => {
            setEditing(null);
            if (changed) load();
          }}
        />
      )}
    </div>
  );
}

function ReadNow({ queueId, onDone }: { queueId: string; onDone: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const read = async () => {
    setBusy(true);
    try {
      const result = await mailApi.read(queueId);
      if (result.error) message.error(t('serviceMail.failing', { error: result.error }));
      else message.success(t('serviceMail.readDone', { read: result.read, cases: result.cases, replies: result.replies }));
      onDone();
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size="small" loading={busy} data-testid={`mailbox-read-${queueId}`} onClick={() => void read()}>
      {t('serviceMail.readNow')}
    </Button>
  );
}

function MailboxStatus({ mailbox }: { mailbox: Mailbox | null }) {
  const { t } = useI18n();
  if (!mailbox) return <Tag>{t('serviceMail.notSet')}</Tag>;
  if (!mailbox.active) return <Tag>{t('serviceMail.off')}</Tag>;
  if (mailbox.last_error) return <Tag color="red">{t('serviceMail.failing', { error: mailbox.last_error })}</Tag>;
  if (!mailbox.last_polled_at) return <Tag color="blue">{t('serviceMail.neverRead')}</Tag>;
  const time = String(mailbox.last_polled_at).replace('T', ' ').slice(0, 16);
  return <Tag color="green">{t('serviceMail.ok', { time })}</Tag>;
}

type Security = NonNullable<MailboxInput['security']>;
/** The port a mail program uses for each security mode (IMAP): a changed mode moves a default port. */
const DEFAULT_PORT: Record<Security, number> = { none: 143, starttls: 143, ssl: 993 };

function MailboxForm({ queue, onClose }: { queue: QueueRow; onClose: (changed: boolean) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<MailboxInput>();
  const [busy, setBusy] = useState(false);
  const existing = queue.mailbox;

  const values = async (): Promise<MailboxInput> => {
    const v = await form.validateFields();
    return { ...v, password: v.password ? v.password : null };
  };

  const securityChanged = (mode: Security) => {
    const port = form.getFieldValue('port') as number | null;
    if (port == null || Object.values(DEFAULT_PORT).includes(port)) form.setFieldValue('port', DEFAULT_PORT[mode]);
  };

  const save = async () => {
    const body = await values();
    setBusy(true);
    try {
      await mailApi.save(queue.id, body);
      message.success(t('serviceMail.saved'));
      onClose(true);
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(false);
    }
  };

  const test = async () => {
    const body = await values();
    setBusy(true);
    try {
      const result = await mailApi.test(queue.id, body);
      if (result.ok) message.success(t('serviceMail.testOk', { count: result.messages ?? 0 }));
      else message.error(t('serviceMail.testFailed', { error: result.error ?? '' }));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await mailApi.remove(queue.id);
      message.success(t('serviceMail.removed'));
      onClose(true);
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t('serviceMail.formTitle', { queue: queue.name })}
      onCancel={() => onClose(false)}
      footer={
        <Space>
          {existing && (
            <Popconfirm title={t('serviceMail.removeConfirm')} onConfirm={() => void remove()}>
              <Button danger disabled={busy} data-testid="mailbox-remove">
                {t('serviceMail.remove')}
              </Button>
            </Popconfirm>
          )}
          <Button onClick={() => void test()} loading={busy} data-testid="mailbox-test">
            {t('serviceMail.test')}
          </Button>
          <Button type="primary" onClick={() => void save()} loading={busy} data-testid="mailbox-save">
            {t('serviceMail.save')}
          </Button>
        </Space>
      }
    >
      <Form<MailboxInput>
        form={form}
        layout="vertical"
        initialValues={{
          host: existing?.host ?? '',
          port: existing?.port ?? 993,
          security: existing?.security ?? 'ssl',
          username: existing?.username ?? queue.address ?? '',
          password: '',
          folder: existing?.folder ?? 'INBOX',
          active: existing?.active ?? true,
        }}
      >
        <Form.Item name="host" label={t('serviceMail.host')} rules={[{ required: true, message: t('serviceMail.required') }]}>
          <Input data-testid="mailbox-host" placeholder="imap.example.com" />
        </Form.Item>
        <Space size="large">
          <Form.Item name="port" label={t('serviceMail.port')} rules={[{ required: true, message: t('serviceMail.required') }]}>
            <InputNumber min={1} max={65535} data-testid="mailbox-port" />
          </Form.Item>
          <Form.Item name="security" label={t('serviceMail.security')}>
            <Select<Security>
              data-testid="mailbox-security"
              style={{ minWidth: 160 }}
              onChange={securityChanged}
              options={[
                { value: 'ssl', label: t('serviceMail.security.ssl') },
                { value: 'starttls', label: t('serviceMail.security.starttls') },
                { value: 'none', label: t('serviceMail.security.none') },
              ]}
            />
          </Form.Item>
          <Form.Item name="active" label={t('serviceMail.active')} valuePropName="checked">
            <Switch data-testid="mailbox-active" />
          </Form.Item>
        </Space>
        <Form.Item name="username" label={t('serviceMail.username')} rules={[{ required: true, message: t('serviceMail.required') }]}>
          <Input data-testid="mailbox-username" autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('serviceMail.password')}
          rules={existing?.password_set ? [] : [{ required: true, message: t('serviceMail.required') }]}
        >
          <Input.Password
            data-testid="mailbox-password"
            autoComplete="new-password"
            placeholder={existing?.password_set ? t('serviceMail.passwordKeep') : undefined}
          />
        </Form.Item>
        <Form.Item name="folder" label={t('serviceMail.folder')} rules={[{ required: true, message: t('serviceMail.required') }]}>
          <Input data-testid="mailbox-folder" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
