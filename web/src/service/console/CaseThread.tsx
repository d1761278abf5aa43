/**
 * A case's conversation: messages oldest first (internal notes on a grey dashed card, replies
 * to the customer on a blue one, the customer's own on the left), a reply box that writes a
 * note or a reply, and the case's resolve / close / reopen buttons. Shown in the console's case
 * panel and as the "Conversation" tab of a case's record page.
 */
import '../../i18n/service-core';
import '../../i18n/service-mail';
import { Button, Empty, Form, Input, Modal, Radio, Skeleton, Space, Tag, Typography, App as AntApp } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { serviceApi, type CaseMessage } from '../../api/service';
import { ErrorResult } from '../../components/Status';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useFormatSettings } from '../../state/session';
import './console.css';

/** Who wrote it: the customer's contact for their messages, else the colleague who wrote it. */
function author(m: CaseMessage): string {
  return (m.direction === 'inbound' ? m._display?.author_contact : m._display?.created_by) ?? '';
}

/** send_error values the server words as codes (others are the mail relay's own words). */
const SEND_ERRORS = ['smtp_not_configured', 'no_recipient'] as const;

/** A public reply's mail: "sending", or "not sent" with the reason and a retry button. */
function SendState({ m, busy, onRetry }: { m: CaseMessage; busy: boolean; onRetry: () => void }) {
  const { t } = useI18n();
  if (m.send_status === 'pending') return <Tag color="blue" data-testid={`send-status-${m.id}`}>{t('serviceMail.send.pending')}</Tag>;
  if (m.send_status !== 'failed') return null;
  const code = SEND_ERRORS.find((c) => c === m.send_error);
  const reason = code ? t(`serviceMail.send.error.${code}`) : (m.send_error ?? '');
  return (
    <Space size={4} wrap data-testid={`send-status-${m.id}`}>
      <Tag color="red">{t('serviceMail.send.failed')}</Tag>
      <Typography.Text type="danger">{reason}</Typography.Text>
      <Button size="small" onClick={onRetry} loading={busy} data-testid={`send-retry-${m.id}`}>
        {t('serviceMail.send.retry')}
      </Button>
    </Space>
  );
}

export interface ThreadCase {
  id: string;
  status: string;
}

export function CaseThread({ record, onChanged }: { record: ThreadCase; onChanged?: () => void }) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const { message } = AntApp.useApp();
  const [messages, setMessages] = useState<CaseMessage[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [body, setBody] = useState('');
  const [visibility, setVisibility] = useState<'internal' | 'public'>('public');
  const [busy, setBusy] = useState(false);
  const [resolving, setResolving] = useState(false);
  const [resolution, setResolution] = useState('');

  const load = useCallback(
    (signal?: AbortSignal) =>
      serviceApi
        .messages(record.id, signal)
        .then((r) => setMessages(r.records))
        .catch((e) => {
          if (!signal?.aborted) setError(e);
        }),
    [record.id],
  );
  useEffect(() => {
    const ctrl = new AbortController();
    setMessages(null);
    void load(ctrl.signal);
    return () => ctrl.abort();
  }, [load]);

  const run = async (step: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await step();
      onChanged?.();
      await load();
      return true;
    } catch (e) {
      message.error(e instanceof Error ? e.message : String(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const send = async () => {
    if (!body.trim()) return;
    if (await run(() => serviceApi.reply(record.id, body.trim(), visibility))) setBody('');
  };
  const open = ['new', 'assigned', 'in_progress', 'waiting_on_customer'].includes(record.status);

  if (error) return <ErrorResult error={error} />;
  return (
    <div className="ky-case-thread" data-testid="case-thread">
      {messages === null ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : messages.length === 0 ? (
        <Empty description={t('service.thread.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : (
        <ol className="ky-case-messages">
          {messages.map((m) => (
            <li key={m.id} className={`ky-case-message is-${m.direction} is-${m.visibility}`} data-testid={`case-message-${m.id}`}>
              <Space size={6} className="ky-case-message-head">
                <Tag color={m.direction === 'inbound' ? 'gold' : m.visibility === 'internal' ? 'default' : 'blue'}>
                  {m.direction === 'inbound' ? t('service.thread.inbound') : t(m.visibility === 'internal' ? 'service.thread.internal' : 'service.thread.public')}
                </Tag>
                <Typography.Text type="secondary">
                  {author(m) ? `${author(m)} · ` : ''}
                  {formatDateTime(m.created_at, fmt)}
                </Typography.Text>
                <SendState m={m} busy={busy} onRetry={() => void run(() => serviceApi.retrySend(m.id))} />
              </Space>
              <div className="ky-case-message-body">{m.body}</div>
            </li>
          ))}
        </ol>
      )}
      <div className="ky-case-reply">
        <Radio.Group value={visibility} onChange={(e) => setVisibility(e.target.value)} optionType="button" size="small">
          <Radio.Button value="public" data-testid="reply-public">
            {t('service.thread.public')}
          </Radio.Button>
          <Radio.Button value="internal" data-testid="reply-internal">
            {t('service.thread.internal')}
          </Radio.Button>
        </Radio.Group>
        <Input.TextArea
          value={body}
          onChange={(e) => setBody(e.target.value)}
          placeholder={t('service.reply.placeholder')}
          autoSize={{ minRows: 2, maxRows: 8 }}
          className={visibility === 'internal' ? 'is-internal' : undefined}
          data-testid="reply-body"
        />
        <Space wrap>
          <Button type="primary" onClick={() => void send()} loading={busy} disabled={!body.trim()} data-testid="reply-send">
            {t('service.reply.send')}
          </Button>
          {open && (
            <Button onClick={() => setResolving(true)} data-testid="case-resolve">
              {t('service.resolve')}
            </Button>
          )}
          {record.status === 'resolved' && (
            <>
              <Button onClick={() => void run(() => serviceApi.action(record.id, 'close'))} data-testid="case-close">
                {t('service.close')}
              </Button>
              <Button onClick={() => void run(() => serviceApi.action(record.id, 'reopen'))} data-testid="case-reopen">
                {t('service.reopen')}
              </Button>
            </>
          )}
        </Space>
      </div>
      <Modal
        open={resolving}
        title={t('service.resolve')}
        okButtonProps={{ disabled: !resolution.trim(), 'data-testid': 'resolve-ok' } as never}
        confirmLoading={busy}
        onCancel={() => setResolving(false)}
        onOk={async () => {
          if (await run(() => serviceApi.action(record.id, 'resolve', { resolution: resolution.trim() }))) {
            setResolving(false);
            setResolution('');
          }
        }}
      >
        <Form layout="vertical">
          <Form.Item label={t('service.resolution')} required help={resolution.trim() ? undefined : t('service.resolution.required')}>
            <Input.TextArea value={resolution} onChange={(e) => setResolution(e.target.value)} autoSize={{ minRows: 3 }} data-testid="resolution" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

export default CaseThread;
