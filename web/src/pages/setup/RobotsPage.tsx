import '../../i18n/setup';
import { DeleteOutlined, MessageOutlined, PlusOutlined, SendOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Empty, Form, Input, Modal, Radio, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { useModalSubmit, type FormErrors } from '../../components/setup/modalSubmit';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useFormatSettings } from '../../state/session';
import { setupApi, type RobotChannel } from './api';
import { failureText, lastResult, RESULT_COLORS, robotErrorTarget, robotPayload, robotToForm, testOutcome, VENDOR_INFO, VENDORS, type RobotForm, type Vendor } from './robots';

/** A test's outcome as the result dialog shows it. */
interface Tested {
  name: string;
  ok: boolean;
  error: string;
  hint: string | null;
}

/**
 * The company's group robots (WeCom, DingTalk, Feishu) that flows post to. The webhook URL and
 * the signing secret are write-only: the list shows the URL's host and last characters and
 * whether messages are signed; "Send test message" posts at once and shows the robot's answer.
 */
export default function RobotsPage() {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const { message, modal } = App.useApp();
  const [channels, setChannels] = useState<RobotChannel[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<RobotChannel | null>(null);
  const [open, setOpen] = useState(false);
  const [testing, setTesting] = useState<string | null>(null);
  const [tested, setTested] = useState<Tested | null>(null);

  const load = useCallback(() => {
    setError(null);
    setupApi
      .robotChannels()
      .then((answer) => setChannels(answer.channels))
      .catch(setError);
  }, []);
  useEffect(load, [load]);

  const replace = (saved: RobotChannel) => setChannels((list) => (list ?? []).map((c) => (c.id === saved.id ? saved : c)));

  const toggle = async (c: RobotChannel, active: boolean) => {
    try {
      replace(await setupApi.updateRobotChannel(c.id, { active }));
      message.success(t(active ? 'setup.robots.enabledDone' : 'setup.robots.disabledDone'));
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };

  const test = async (c: RobotChannel) => {
    setTesting(c.id);
    try {
      const answer = await setupApi.testRobotChannel(c.id);
      replace(answer.channel);
      setTested({ name: c.name, ...testOutcome(answer, t) });
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setTesting(null);
    }
  };

  const remove = (c: RobotChannel) =>
    modal.confirm({
      title: t('setup.robots.deleteConfirm', { name: c.name }),
      content: t('setup.robots.deleteHelp'),
      okType: 'danger',
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'confirm-delete-robot' } as never,
      onOk: async () => {
        try {
          await setupApi.deleteRobotChannel(c.id);
          setChannels((list) => (list ?? []).filter((x) => x.id !== c.id));
          message.success(t('setup.robots.deleted'));
        } catch (e) {
          // Shown, and the dialog closes: a channel in use stays until its flows change.
          message.error(errorMessage(e, t));
        }
      },
    });

  const resultTag = (c: RobotChannel) => {
    const state = lastResult(c);
    const tag = (
      <Tag color={RESULT_COLORS[state]} data-testid={`robot-result-${c.id}`}>
        {t(`setup.robots.result.${state}`)}
      </Tag>
    );
    return (
      <div>
        {state === 'failed' ? <Tooltip title={failureText(c.last_error, t).error}>{tag}</Tooltip> : tag}
        {c.last_at && <div className="ky-page-sub">{formatDateTime(c.last_at, fmt)}</div>}
      </div>
    );
  };

  return (
    <div className="ky-setup-panel" data-testid="robots-page">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.robots.title')}</h2>
        <Button
          type="primary"
          icon={<PlusOutlined />}
          data-testid="robot-new"
          onClick={() => {
            setEditing(null);
            setOpen(true);
          }}
        >
          {t('setup.robots.new')}
        </Button>
      </div>
      <p className="ky-page-sub">{t('setup.robots.help')}</p>
      {error ? (
        <ErrorResult error={error} onRetry={load} />
      ) : (
        <Table<RobotChannel>
          rowKey="id"
          size="small"
          loading={channels === null}
          dataSource={channels ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          data-testid="robots-table"
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.robots.empty')} /> }}
          onRow={(c) => ({ 'data-testid': `robot-row-${c.id}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t('setup.robots.name'),
              key: 'name',
              render: (_, c) => (
                <Space size={6}>
                  <MessageOutlined />
                  <span>{c.name}</span>
                  <Tag>{t(`setup.robots.vendor.${c.vendor}`)}</Tag>
                </Space>
              ),
            },
            {
              title: t('setup.robots.address'),
              key: 'url',
              render: (_, c) => (
                <div>
                  <span className="ky-setup-mono" data-testid={`robot-hint-${c.id}`}>
                    {c.url_hint}
                  </span>
                  <div className="ky-page-sub">{t(c.has_secret ? 'setup.robots.signed' : 'setup.robots.unsigned')}</div>
                </div>
              ),
            },
            { title: t('setup.robots.lastResult'), key: 'result', width: 170, render: (_, c) => resultTag(c) },
            {
              title: t('setup.robots.active'),
              key: 'active',
              width: 70,
              render: (_, c) => <Switch size="small" checked={c.active} aria-label={`${t('setup.robots.active')} ${c.name}`} data-testid={`robot-active-${c.id}`} onChange={(on) => void toggle(c, on)} />,
            },
            {
              key: 'actions',
              align: 'right',
              width: 260,
              render: (_, c) => (
                <Space size={4}>
                  <Button size="small" icon={<SendOutlined />} loading={testing === c.id} data-testid={`robot-test-${c.id}`} onClick={() => void test(c)}>
                    {t('setup.robots.test')}
                  </Button>
                  <Button
                    size="small"
                    data-testid={`robot-edit-${c.id}`}
                    onClick={() => {
                      setEditing(c);
                      setOpen(true);
                    }}
                  >
                    {t('common.edit')}
                  </Button>
                  <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} data-testid={`robot-delete-${c.id}`} onClick={() => remove(c)} />
                </Space>
              ),
            },
          ]}
        />
      )}
      <RobotModal
        channel={editing}
        open={open}
        onClose={() => setOpen(false)}
        onSaved={(saved, created) => {
          setOpen(false);
          if (created) setChannels((list) => [...(list ?? []), saved].sort((a, b) => a.name.localeCompare(b.name)));
          else replace(saved);
          message.success(t(created ? 'setup.robots.created' : 'setup.robots.saved'));
        }}
      />
      <Modal
        open={tested !== null}
        title={tested ? t('setup.robots.testTitle', { name: tested.name }) : ''}
        onCancel={() => setTested(null)}
        footer={
          <Button type="primary" data-testid="robot-test-done" onClick={() => setTested(null)}>
            {t('common.close')}
          </Button>
        }
      >
        {tested && (
          <div data-testid="robot-test-outcome">
            {tested.ok ? (
              <Alert type="success" showIcon message={t('setup.robots.testOk')} />
            ) : (
              <Alert
                type="error"
                showIcon
                message={t('setup.robots.testFailed')}
                description={
                  <div>
                    <Typography.Text className="ky-setup-mono" data-testid="robot-test-error">
                      {tested.error}
                    </Typography.Text>
                    {tested.hint && (
                      <div style={{ marginTop: 8 }} data-testid="robot-test-hint">
                        {tested.hint}
                      </div>
                    )}
                  </div>
                }
              />
            )}
          </div>
        )}
      </Modal>
    </div>
  );
}

interface ModalProps {
  channel: RobotChannel | null;
  open: boolean;
  onClose: () => void;
  onSaved: (saved: RobotChannel, created: boolean) => void;
}

/** Create or edit a channel: vendor (with where to find its URL and secret), name, URL, secret. */
function RobotModal({ channel, open, onClose, onSaved }: ModalProps) {
  const { t } = useI18n();
  const [form] = Form.useForm<RobotForm>();
  const vendor = (Form.useWatch('vendor', form) as Vendor | undefined) ?? channel?.vendor ?? 'wecom';
  const clearSecret = Form.useWatch('clear_secret', form) as boolean | undefined;
  const info = VENDOR_INFO[vendor];

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(robotToForm(channel));
  }, [open, channel, form]);

  const { modalProps, errors } = useModalSubmit(
    form,
    open,
    async (values) => {
      const body = robotPayload({ ...robotToForm(channel), ...values }, channel);
      const saved = channel ? await setupApi.updateRobotChannel(channel.id, body) : await setupApi.createRobotChannel(body);
      onSaved(saved, !channel);
    },
    (errs) => {
      const mapped: FormErrors = { fields: [], general: [] };
      for (const fe of errs) {
        const target = robotErrorTarget(fe.field);
        if (target) mapped.fields.push({ name: target, errors: [fe.message] });
        else mapped.general.push(fe.message);
      }
      return mapped;
    },
  );

  return (
    <Modal open={open} width={680} title={channel ? t('setup.robots.edit') : t('setup.robots.new')} onCancel={onClose} {...modalProps('robot-save')}>
      {errors('robot-errors')}
      <Form form={form} layout="vertical" requiredMark={false}>
        <Form.Item name="vendor" label={t('setup.robots.vendor')}>
          <Radio.Group
            optionType="button"
            options={VENDORS.map((v) => ({ value: v, label: t(`setup.robots.vendor.${v}`) }))}
            data-testid="robot-vendor"
          />
        </Form.Item>
        <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t(`setup.robots.vendorHelp.${vendor}`)} data-testid="robot-vendor-help" />
        <Form.Item name="name" label={t('setup.robots.name')} rules={[{ required: true, whitespace: true, message: t('setup.robots.nameRequired') }]}>
          <Input maxLength={100} placeholder={t('setup.robots.namePlaceholder')} data-testid="robot-name" />
        </Form.Item>
        <Form.Item
          name="url"
          label={t('setup.robots.url')}
          extra={channel ? t('setup.robots.urlKeep', { hint: channel.url_hint }) : t('setup.robots.urlHelp')}
          rules={channel ? [] : [{ required: true, whitespace: true, message: t('setup.robots.urlRequired') }]}
        >
          <Input.Password className="ky-setup-mono" maxLength={2000} autoComplete="off" placeholder={info.url} visibilityToggle={!channel} data-testid="robot-url" />
        </Form.Item>
        {info.signs && (
          <>
            <Form.Item name="secret" label={t('setup.robots.secret')} extra={channel?.has_secret ? t('setup.robots.secretKeep') : t('setup.robots.secretHelp')}>
              <Input.Password className="ky-setup-mono" maxLength={500} autoComplete="off" placeholder={info.secret} disabled={!!clearSecret} data-testid="robot-secret" />
            </Form.Item>
            {channel?.has_secret && (
              <Form.Item name="clear_secret" valuePropName="checked" style={{ marginTop: -12 }}>
                <Checkbox data-testid="robot-clear-secret">{t('setup.robots.clearSecret')}</Checkbox>
              </Form.Item>
            )}
          </>
        )}
        <Space size={32}>
          <Form.Item name="markdown" label={t('setup.robots.markdown')} valuePropName="checked" extra={t('setup.robots.markdownHelp')}>
            <Switch data-testid="robot-markdown" />
          </Form.Item>
          <Form.Item name="active" label={t('setup.robots.active')} valuePropName="checked" extra={t('setup.robots.activeHelp')}>
            <Switch data-testid="robot-active" />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}
