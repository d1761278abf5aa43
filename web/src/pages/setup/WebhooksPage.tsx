import '../../i18n/setup';
import { ApiOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Drawer, Empty, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { useModalSubmit, type FormErrors } from '../../components/setup/modalSubmit';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n, type MessageKey } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useMetadata } from '../../state/metadata';
import { useFormatSettings } from '../../state/session';
import { setupApi, type WebhookDelivery, type WebhookSettings, type WebhookSubscription } from './api';
import { DELIVERY_COLORS, EVENT_VERBS, STATE_COLORS, canReplay, lastOutcome, webhookErrorTarget, webhookPayload, webhookState, webhookToForm, type EventPicks, type WebhookForm } from './webhooks';

/**
 * Outbound webhooks of the company: subscriptions of a URL to record events, signed per the
 * Standard Webhooks specification. The signing secret is shown once, when a subscription is
 * created or its secret rotated; each subscription's deliveries can be inspected and replayed.
 */
export default function WebhooksPage() {
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const [webhooks, setWebhooks] = useState<WebhookSubscription[] | null>(null);
  const [settings, setSettings] = useState<WebhookSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<WebhookSubscription | null>(null);
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [logOf, setLogOf] = useState<WebhookSubscription | null>(null);

  const load = useCallback(() => {
    setError(null);
    setupApi
      .webhooks()
      .then((answer) => {
        setWebhooks(answer.webhooks);
        setSettings(answer.settings);
      })
      .catch(setError);
  }, []);
  useEffect(load, [load]);

  const replace = (saved: WebhookSubscription) => setWebhooks((list) => (list ?? []).map((w) => (w.id === saved.id ? { ...w, ...saved } : w)));

  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      message.success(done);
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };

  const toggle = (w: WebhookSubscription, active: boolean) =>
    act(async () => replace(await setupApi.updateWebhook(w.id, { active })), active ? t('setup.webhooks.enabledDone') : t('setup.webhooks.disabledDone'));

  const rotate = (w: WebhookSubscription) =>
    modal.confirm({
      title: t('setup.webhooks.rotateConfirm'),
      content: t('setup.webhooks.rotateHelp'),
      okText: t('setup.webhooks.rotate'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          const answer = await setupApi.rotateWebhookSecret(w.id);
          replace(answer);
          setSecret(answer.secret);
        } catch (e) {
          message.error(errorMessage(e, t));
          throw e;
        }
      },
    });

  const remove = (w: WebhookSubscription) =>
    modal.confirm({
      title: t('setup.webhooks.deleteConfirm', { url: w.url }),
      content: t('setup.webhooks.deleteHelp'),
      okType: 'danger',
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'confirm-delete-webhook' } as never,
      onOk: async () => {
        try {
          await setupApi.deleteWebhook(w.id);
          setWebhooks((list) => (list ?? []).filter((x) => x.id !== w.id));
          message.success(t('setup.webhooks.deleted'));
        } catch (e) {
          message.error(errorMessage(e, t));
          throw e;
        }
      },
    });

  const stateLabel = (w: WebhookSubscription) => {
    const state = webhookState(w);
    const tag = <Tag color={STATE_COLORS[state]}>{t(`setup.webhooks.state.${state}`)}</Tag>;
    if (state === 'disabled') {
      const reason = w.disabled_reason === 'consecutive_failures' ? 'setup.webhooks.reason.consecutive_failures' : 'setup.webhooks.reason.delivery_dead';
      return <Tooltip title={t(reason)}>{tag}</Tooltip>;
    }
    if (state === 'failing') return <Tooltip title={t('setup.webhooks.failures', { count: w.consecutive_failures })}>{tag}</Tooltip>;
    return tag;
  };

  return (
    <div className="ky-setup-panel" data-testid="webhooks-page">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.webhooks.title')}</h2>
        <Button
          type="primary"
          icon={<PlusOutlined />}
          data-testid="webhook-new"
          onClick={() => {
            setEditing(null);
            setOpen(true);
          }}
        >
          {t('setup.webhooks.new')}
        </Button>
      </div>
      <p className="ky-page-sub">{t('setup.webhooks.help')}</p>
      {settings && (
        <Space style={{ marginBottom: 12 }}>
          <Switch
            size="small"
            checked={settings.allow_private || settings.installation_allows_private}
            disabled={settings.installation_allows_private}
            data-testid="webhook-allow-private"
            onChange={(allow) => act(async () => setSettings(await setupApi.updateWebhookSettings({ allow_private: allow })), t('setup.webhooks.settingsSaved'))}
          />
          <span>{t('setup.webhooks.allowPrivate')}</span>
          <Tooltip title={settings.installation_allows_private ? t('setup.webhooks.allowPrivateInstallation') : t('setup.webhooks.allowPrivateHelp')}>
            <Typography.Text type="secondary">ⓘ</Typography.Text>
          </Tooltip>
        </Space>
      )}
      {error ? (
        <ErrorResult error={error} onRetry={load} />
      ) : (
        <Table<WebhookSubscription>
          rowKey="id"
          size="small"
          loading={webhooks === null}
          dataSource={webhooks ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.webhooks.empty')} /> }}
          onRow={(w) => ({ 'data-testid': `webhook-row-${w.id}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t('setup.webhooks.url'),
              key: 'url',
              render: (_, w) => (
                <div>
                  <Space size={6}>
                    <ApiOutlined />
                    <span className="ky-setup-mono">{w.url}</span>
                  </Space>
                  {w.description && <div className="ky-page-sub">{w.description}</div>}
                </div>
              ),
            },
            {
              title: t('setup.webhooks.events'),
              key: 'events',
              render: (_, w) => (
                <Space size={[4, 4]} wrap>
                  {w.events.map((e) => (
                    <Tag key={e} className="ky-setup-mono">
                      {e}
                    </Tag>
                  ))}
                </Space>
              ),
            },
            { title: t('setup.webhooks.status'), key: 'state', width: 110, render: (_, w) => stateLabel(w) },
            {
              title: t('setup.webhooks.enabled'),
              key: 'active',
              width: 80,
              render: (_, w) => <Switch size="small" checked={w.active} data-testid={`webhook-active-${w.id}`} onChange={(on) => void toggle(w, on)} />,
            },
            {
              key: 'actions',
              align: 'right',
              width: 330,
              render: (_, w) => (
                <Space size={4}>
                  <Button size="small" data-testid={`webhook-edit-${w.id}`} onClick={() => {
                      setEditing(w);
                      setOpen(true);
                    }}>
                    {t('common.edit')}
                  </Button>
                  <Button size="small" data-testid={`webhook-test-${w.id}`} onClick={() => void act(() => setupApi.testWebhook(w.id), t('setup.webhooks.testQueued'))}>
                    {t('setup.webhooks.test')}
                  </Button>
                  <Button size="small" data-testid={`webhook-rotate-${w.id}`} onClick={() => rotate(w)}>
                    {t('setup.webhooks.rotate')}
                  </Button>
                  <Button size="small" data-testid={`webhook-log-${w.id}`} onClick={() => setLogOf(w)}>
                    {t('setup.webhooks.deliveries')}
                  </Button>
                  <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} data-testid={`webhook-delete-${w.id}`} onClick={() => remove(w)} />
                </Space>
              ),
            },
          ]}
        />
      )}
      <WebhookModal
        webhook={editing}
        open={open}
        onClose={() => setOpen(false)}
        onSaved={(saved, created) => {
          setOpen(false);
          if (created) {
            setWebhooks((list) => [...(list ?? []), saved]);
            if ('secret' in saved && typeof saved.secret === 'string') setSecret(saved.secret);
          } else {
            replace(saved);
            message.success(t('setup.webhooks.saved'));
          }
        }}
      />
      <Modal
        open={secret !== null}
        title={t('setup.webhooks.secretTitle')}
        onCancel={() => setSecret(null)}
        footer={
          <Button type="primary" data-testid="webhook-secret-done" onClick={() => setSecret(null)}>
            {t('setup.webhooks.secretDone')}
          </Button>
        }
      >
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('setup.webhooks.secretOnce')} />
        <Typography.Text code copyable={{ text: secret ?? '' }} data-testid="webhook-secret">
          {secret}
        </Typography.Text>
      </Modal>
      <DeliveriesDrawer webhook={logOf} onClose={() => setLogOf(null)} />
    </div>
  );
}

interface ModalProps {
  webhook: WebhookSubscription | null;
  open: boolean;
  onClose: () => void;
  onSaved: (saved: WebhookSubscription & { secret?: string }, created: boolean) => void;
}

function WebhookModal({ webhook, open, onClose, onSaved }: ModalProps) {
  const { t } = useI18n();
  const [form] = Form.useForm<WebhookForm>();

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(webhookToForm(webhook));
  }, [open, webhook, form]);

  const { modalProps, errors } = useModalSubmit(
    form,
    open,
    async (values) => {
      const body = webhookPayload(values);
      const saved = webhook ? await setupApi.updateWebhook(webhook.id, body) : await setupApi.createWebhook(body);
      onSaved(saved, !webhook);
    },
    (errs) => {
      const mapped: FormErrors = { fields: [], general: [] };
      for (const fe of errs) {
        const target = webhookErrorTarget(fe.field);
        if (target) mapped.fields.push({ name: target, errors: [fe.message] });
        else mapped.general.push(fe.message);
      }
      return mapped;
    },
  );

  return (
    <Modal open={open} width={720} title={webhook ? t('setup.webhooks.edit') : t('setup.webhooks.new')} onCancel={onClose} {...modalProps('webhook-save')}>
      {errors('webhook-errors')}
      <Form form={form} layout="vertical">
        <Form.Item name="url" label={t('setup.webhooks.url')} extra={t('setup.webhooks.urlHelp')} rules={[{ required: true, whitespace: true, message: t('setup.webhooks.urlRequired') }]}>
          <Input className="ky-setup-mono" maxLength={2048} placeholder="https://erp.example.cn/keyi/webhooks" data-testid="webhook-url" />
        </Form.Item>
        <Form.Item
          name="picks"
          label={t('setup.webhooks.events')}
          rules={[{ validator: (_, picks: EventPicks | undefined) => ((picks ?? []).some((p) => p.verbs.length) ? Promise.resolve() : Promise.reject(new Error(t('setup.webhooks.eventsRequired')))) }]}
        >
          <EventPicker />
        </Form.Item>
        <Form.Item name="description" label={t('setup.webhooks.description')}>
          <Input maxLength={500} data-testid="webhook-description" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Objects × verbs: one row per chosen object with its verbs ticked. */
function EventPicker({ value, onChange }: { value?: EventPicks; onChange?: (v: EventPicks) => void }) {
  const { t, label } = useI18n();
  const { objects } = useMetadata();
  const picks = value ?? [];
  const chosen = new Set(picks.map((p) => p.object));
  const set = (next: EventPicks) => onChange?.(next);
  const objectLabel = (name: string) => {
    const o = objects.find((x) => x.name === name);
    return o ? label(o.labels, name) : name;
  };
  return (
    <div data-testid="webhook-events">
      {picks.map((p) => (
        <Space key={p.object} style={{ display: 'flex', marginBottom: 6 }} data-testid={`webhook-events-${p.object}`}>
          <span style={{ display: 'inline-block', minWidth: 140 }}>{objectLabel(p.object)}</span>
          <Checkbox.Group
            value={p.verbs}
            options={EVENT_VERBS.map((v) => ({ value: v, label: t(`setup.webhooks.verb.${v}`) }))}
            onChange={(verbs) => set(picks.map((x) => (x.object === p.object ? { ...x, verbs: verbs as EventPicks[number]['verbs'] } : x)))}
          />
          <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('common.delete')} onClick={() => set(picks.filter((x) => x.object !== p.object))} />
        </Space>
      ))}
      <Select
        showSearch
        value={null}
        style={{ width: 260 }}
        placeholder={t('setup.webhooks.addObject')}
        optionFilterProp="label"
        data-testid="webhook-add-object"
        options={objects.filter((o) => !chosen.has(o.name)).map((o) => ({ value: o.name, label: label(o.labels, o.name) }))}
        onChange={(name: string | null) => name && set([...picks, { object: name, verbs: [...EVENT_VERBS] }])}
      />
    </div>
  );
}

function DeliveriesDrawer({ webhook, onClose }: { webhook: WebhookSubscription | null; onClose: () => void }) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const [rows, setRows] = useState<WebhookDelivery[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const id = webhook?.id;

  const load = useCallback(
    (cursor?: string | null) => {
      if (!id) return;
      setError(null);
      setupApi
        .webhookDeliveries(id, cursor)
        .then((page) => {
          setRows((old) => (cursor ? [...(old ?? []), ...page.deliveries] : page.deliveries));
          setNext(page.next_cursor);
        })
        .catch(setError);
    },
    [id],
  );
  useEffect(() => {
    setRows(null);
    load();
  }, [load]);

  const when = (v: string | null | undefined) => (v ? formatDateTime(v, fmt) : '—');

  return (
    <Drawer open={!!webhook} width={960} title={t('setup.webhooks.deliveriesOf', { url: webhook?.url ?? '' })} onClose={onClose} extra={<Button onClick={() => load()}>{t('setup.webhooks.refresh')}</Button>}>
      {error ? (
        <ErrorResult error={error} onRetry={() => load()} />
      ) : (
        <Table<WebhookDelivery>
          rowKey="id"
          size="small"
          loading={rows === null}
          dataSource={rows ?? []}
          pagination={false}
          data-testid="webhook-deliveries"
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.webhooks.noDeliveries')} /> }}
          expandable={{
            expandedRowRender: (d) => (
              <div>
                <Typography.Text type="secondary">{t('setup.webhooks.body')}</Typography.Text>
                <pre className="ky-setup-mono" style={{ whiteSpace: 'pre-wrap', maxHeight: 240, overflow: 'auto' }}>
                  {JSON.stringify(d.body, null, 2)}
                </pre>
                <Typography.Text type="secondary">{t('setup.webhooks.response')}</Typography.Text>
                <pre className="ky-setup-mono" style={{ whiteSpace: 'pre-wrap', maxHeight: 160, overflow: 'auto' }}>
                  {d.response_excerpt || '—'}
                </pre>
              </div>
            ),
          }}
          columns={[
            { title: t('setup.webhooks.created'), dataIndex: 'created_at', width: 170, render: (v: string) => when(v) },
            { title: t('setup.webhooks.event'), dataIndex: 'event_type', render: (v: string) => <span className="ky-setup-mono">{v}</span> },
            {
              title: t('setup.webhooks.status'),
              dataIndex: 'status',
              width: 100,
              render: (v: string) => <Tag color={DELIVERY_COLORS[v] ?? 'default'}>{v in DELIVERY_COLORS ? t(`setup.webhooks.delivery.${v}` as MessageKey) : v}</Tag>,
            },
            { title: t('setup.webhooks.attempts'), dataIndex: 'attempts', width: 70 },
            { title: t('setup.webhooks.lastResult'), key: 'outcome', render: (_, d) => <span className="ky-setup-mono">{lastOutcome(d) || '—'}</span> },
            { title: t('setup.webhooks.duration'), dataIndex: 'last_duration_ms', width: 80, render: (v: number | null) => (v == null ? '—' : `${v} ms`) },
            { title: t('setup.webhooks.nextAttempt'), dataIndex: 'next_attempt_at', width: 170, render: (v: string | null) => when(v) },
            {
              key: 'replay',
              width: 90,
              render: (_, d) =>
                canReplay(d) ? (
                  <Popconfirm
                    title={t('setup.webhooks.replayConfirm')}
                    okText={t('setup.webhooks.replay')}
                    cancelText={t('common.cancel')}
                    onConfirm={async () => {
                      try {
                        const updated = await setupApi.replayWebhookDelivery(d.id);
                        setRows((list) => (list ?? []).map((x) => (x.id === d.id ? updated : x)));
                        message.success(t('setup.webhooks.replayed'));
                      } catch (e) {
                        message.error(errorMessage(e, t));
                      }
                    }}
                  >
                    <Button size="small" data-testid={`webhook-replay-${d.id}`}>
                      {t('setup.webhooks.replay')}
                    </Button>
                  </Popconfirm>
                ) : null,
            },
          ]}
        />
      )}
      {next && (
        <Button style={{ marginTop: 8 }} onClick={() => load(next)}>
          {t('setup.webhooks.more')}
        </Button>
      )}
    </Drawer>
  );
}
