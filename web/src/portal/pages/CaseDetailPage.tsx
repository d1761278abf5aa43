/**
 * /portal/:tenant/cases/:id — one case as the customer sees it: subject, status, what they
 * wrote, the public conversation oldest first (their messages on the right, the company's on
 * the left), a reply box, and the survey link once resolved.
 *
 * Messages: `body_html` is the API's sanitised HTML and is the only HTML rendered; `body` is
 * always shown as text (never as HTML), so a message without sanitised HTML cannot inject markup.
 */
import { ArrowLeftOutlined, StarOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Form, Input, Result, Skeleton, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { usePortal } from '../session';
import { formatWhen, portalErrorText } from '../text';
import type { PortalCaseDetail, PortalMessage } from '../types';

const STATUS_COLOR: Record<string, string> = {
  new: 'blue',
  assigned: 'cyan',
  in_progress: 'geekblue',
  waiting_on_customer: 'gold',
  resolved: 'green',
  closed: 'default',
};

export function StatusTag({ status, label }: { status: string; label: string }) {
  return (
    <Tag color={STATUS_COLOR[status] ?? 'default'} data-testid="portal-case-status">
      {label}
    </Tag>
  );
}

export function MessageBubble({ message, lang, you }: { message: PortalMessage; lang: 'en' | 'zh-CN'; you: string }) {
  return (
    <div className={`kp-msg${message.from_customer ? ' is-customer' : ''}`} data-testid="portal-message" data-from={message.from_customer ? 'customer' : 'company'}>
      <div className="kp-msg-meta">
        {message.from_customer ? you : message.author} · {formatWhen(message.created_at, lang)}
      </div>
      {message.body_html ? (
        <div className="kp-msg-body kp-html" dangerouslySetInnerHTML={{ __html: message.body_html }} />
      ) : (
        <div className="kp-msg-body">{message.body}</div>
      )}
    </div>
  );
}

/** The API answers oldest first; kept so even if it did not (ties keep the API's order). */
function oldestFirst(messages: PortalMessage[]): PortalMessage[] {
  return messages.map((m, i) => ({ m, i, at: Date.parse(m.created_at) || 0 })).sort((a, b) => a.at - b.at || a.i - b.i).map((x) => x.m);
}

export default function CaseDetailPage() {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const { api, tenant, me } = usePortal();
  const { message: toast } = App.useApp();
  const [item, setItem] = useState<PortalCaseDetail | null>(null);
  const [messages, setMessages] = useState<PortalMessage[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [reply, setReply] = useState('');
  const [replyError, setReplyError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [closed, setClosed] = useState(false);
  const list = `/portal/${encodeURIComponent(tenant)}/cases`;
  const locale = me?.locale;

  const load = useCallback(
    (signal?: AbortSignal) =>
      Promise.all([api.case(id, signal), api.messages(id, signal)]).then(
        ([found, thread]) => {
          setItem(found);
          setMessages(oldestFirst(thread.records));
        },
        (e: unknown) => {
          if (!signal?.aborted) setLoadError(e);
        },
      ),
    [api, id],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    setLoadError(null);
    void load(ctrl.signal);
    return () => ctrl.abort();
    // labels come in the portal user's locale: a language switch reloads them
  }, [load, locale]);

  const send = async () => {
    const body = reply.trim();
    if (!body) {
      setReplyError(t('portal.case.replyRequired'));
      return;
    }
    setSending(true);
    setReplyError(null);
    try {
      const sent = await api.reply(id, body);
      setMessages((prev) => [...(prev ?? []), sent]);
      setReply('');
      toast.success(t('portal.case.sent'));
      // a reply wakes or reopens the case: show its new status
      api.case(id).then(setItem, () => undefined);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'case_closed') setClosed(true);
      setReplyError(portalErrorText(e, t));
    } finally {
      setSending(false);
    }
  };

  if (loadError) {
    const missing = loadError instanceof ApiError && loadError.status === 404;
    return (
      <div data-testid="portal-case-missing">
        <Result
          status={missing ? '404' : 'warning'}
          title={missing ? t('portal.case.notFound') : portalErrorText(loadError, t)}
          subTitle={missing ? t('portal.case.notFoundDetail') : undefined}
          extra={<Link to={list}>{t('portal.case.toList')}</Link>}
        />
      </div>
    );
  }
  if (!item || !messages) return <Skeleton active />;

  const canReply = item.can_reply && !closed;
  const resolved = item.status === 'resolved' || item.status === 'closed';
  return (
    <div data-testid="portal-case">
      <Link to={list} style={{ display: 'inline-block', marginBottom: 8 }}>
        <ArrowLeftOutlined /> {t('portal.case.toList')}
      </Link>
      <Typography.Text type="secondary" className="ky-mono" style={{ display: 'block' }}>
        {item.case_no}
      </Typography.Text>
      <Typography.Title level={3} style={{ marginTop: 4 }} data-testid="portal-case-title">
        {item.subject}
      </Typography.Title>
      <Space wrap size={4} style={{ marginBottom: 12 }}>
        <StatusTag status={item.status} label={item.status_label} />
        {item.type_label && <Tag>{item.type_label}</Tag>}
        <Tag>{t('portal.case.priorityIs', { priority: item.priority_label })}</Tag>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('portal.case.opened', { at: formatWhen(item.created_at, lang) })}
        </Typography.Text>
      </Space>
      {item.waiting_on_you && (
        <Alert type="warning" showIcon className="ky-mb" message={t('portal.case.waitingBanner')} description={t('portal.case.waitingDetail')} data-testid="portal-waiting-banner" />
      )}
      {resolved && item.resolution && (
        <Card size="small" className="ky-mb" title={t('portal.case.resolution')}>
          <div className="kp-prewrap">{item.resolution}</div>
          {item.resolved_at && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('portal.case.resolvedAt', { at: formatWhen(item.resolved_at, lang) })}
            </Typography.Text>
          )}
        </Card>
      )}
      {resolved && item.survey_url && (
        <Button href={item.survey_url} target="_blank" rel="noopener noreferrer" icon={<StarOutlined />} className="ky-mb" data-testid="portal-survey">
          {t('portal.case.survey')}
        </Button>
      )}
      {item.description && (
        <Card size="small" className="ky-mb" title={t('portal.case.description')}>
          <div className="kp-prewrap" data-testid="portal-case-body">
            {item.description}
          </div>
        </Card>
      )}
      <Typography.Title level={5}>{t('portal.case.thread')}</Typography.Title>
      <div className="kp-thread" data-testid="portal-thread">
        {messages.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('portal.case.noMessages')} />
        ) : (
          messages.map((m) => <MessageBubble key={m.id} message={m} lang={lang} you={t('portal.case.you')} />)
        )}
      </div>
      <Card size="small">
        {!canReply && <Alert type="info" showIcon className="ky-mb" message={t('portal.case.cannotReply')} data-testid="portal-reply-closed" />}
        <Form layout="vertical" onFinish={() => void send()}>
          <Form.Item label={t('portal.case.reply')} validateStatus={replyError ? 'error' : undefined} help={replyError ?? undefined}>
            <Input.TextArea
              rows={4}
              maxLength={20000}
              value={reply}
              disabled={!canReply}
              placeholder={t('portal.case.replyPlaceholder')}
              onChange={(e) => {
                setReply(e.target.value);
                if (replyError) setReplyError(null);
              }}
              data-testid="portal-reply"
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={sending} disabled={!canReply} data-testid="portal-reply-submit">
            {t('portal.case.send')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
