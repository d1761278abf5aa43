import '../../i18n/marketing-email';
import { App, Button, Card, Col, DatePicker, Empty, Input, Modal, Row, Segmented, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import type { RecordData } from '../../api/types';
import { errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { emailApi, type Delivery } from './api';

const STATUSES = ['', 'queued', 'sent', 'bounced', 'failed', 'cancelled'] as const;
const STARTABLE = ['draft', 'scheduled'];
const CANCELLABLE = ['scheduled', 'sending'];

const num = (value: unknown) => Number(value ?? 0) || 0;
const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 10 : 0);

/**
 * An email campaign's sending panel (a tab of its page): the audience's size, send now (with a
 * confirmation naming how many), schedule, cancel and a test send; the delivery counters with
 * the skipped by reason; and the per-recipient table, filtered by status, fifty at a time.
 */
export default function EmailCampaignPanel({ record, onChanged }: { record: RecordData; onChanged: () => void }) {
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const id = String(record.id);
  const status = String(record.status ?? 'draft');
  const [audience, setAudience] = useState<number | null | undefined>(undefined);
  const [filter, setFilter] = useState<string>('');
  const [rows, setRows] = useState<Delivery[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [testOpen, setTestOpen] = useState(false);
  const [testTo, setTestTo] = useState('');
  const [scheduleOpen, setScheduleOpen] = useState(false);
  const [when, setWhen] = useState<Dayjs | null>(null);

  useEffect(() => {
    emailApi
      .audience(id)
      .then((a) => setAudience(a.count))
      .catch(() => setAudience(null));
  }, [id, record.segment]);

  const loadRows = useCallback(
    (from: string | null) => {
      emailApi
        .deliveries(id, { status: filter || undefined, cursor: from })
        .then((page) => {
          setRows((before) => (from ? [...before, ...page.records] : page.records));
          setCursor(page.next_cursor ?? null);
        })
        .catch((e: unknown) => message.error(errorMessage(e, t)));
    },
    [id, filter, message, t],
  );
  useEffect(() => loadRows(null), [loadRows, record.version, record.sent]);

  async function run(action: () => Promise<unknown>, done: string) {
    try {
      await action();
      message.success(done);
      onChanged();
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  }

  function confirmSend() {
    modal.confirm({
      title: t('mkEmail.sendNow'),
      content: t('mkEmail.confirmSend', { count: audience ?? 0 }),
      okText: t('mkEmail.sendNow'),
      onOk: () => run(() => emailApi.sendNow(id), t('mkEmail.started')),
    });
  }

  function confirmCancel() {
    modal.confirm({
      title: t('mkEmail.cancel'),
      content: t('mkEmail.confirmCancel'),
      okButtonProps: { danger: true },
      onOk: () => run(() => emailApi.cancel(id), t('mkEmail.cancelled')),
    });
  }

  const recipients = num(record.recipients);
  const sent = num(record.sent);
  const stat = (key: string, value: number, of?: number) => (
    <Col xs={12} sm={8} md={6} key={key}>
      <Statistic title={t(`mkEmail.stat.${key}` as 'mkEmail.stat.sent')} value={value} suffix={of !== undefined ? <small>({t('mkEmail.rate', { rate: rate(value, of) })})</small> : undefined} />
    </Col>
  );

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="email-campaign-panel">
      <Card size="small" title={t('mkEmail.audience')}>
        <Space wrap>
          <Typography.Text data-testid="email-audience">{audience === undefined ? '…' : audience === null ? t('mkEmail.noSegment') : t('mkEmail.audienceCount', { count: audience })}</Typography.Text>
          {STARTABLE.includes(status) && (
            <>
              <Button type="primary" onClick={confirmSend} disabled={!audience} data-testid="email-send-now">
                {t('mkEmail.sendNow')}
              </Button>
              <Button onClick={() => setScheduleOpen(true)} disabled={!audience} data-testid="email-schedule">
                {t('mkEmail.schedule')}
              </Button>
            </>
          )}
          {CANCELLABLE.includes(status) && (
            <Button danger onClick={confirmCancel} data-testid="email-cancel">
              {t('mkEmail.cancel')}
            </Button>
          )}
          <Button onClick={() => setTestOpen(true)} data-testid="email-test">
            {t('mkEmail.testSend')}
          </Button>
        </Space>
      </Card>
      <Card size="small" title={t('mkEmail.stats')}>
        <Row gutter={[16, 16]}>
          {stat('recipients', recipients)}
          {stat('sent', sent, recipients)}
          {stat('opened', num(record.opened), sent)}
          {stat('clicked', num(record.clicked), sent)}
          {stat('bounced', num(record.bounced), recipients)}
          {stat('failed', num(record.failed), recipients)}
          {stat('unsubscribed', num(record.unsubscribed), sent)}
        </Row>
        <Typography.Paragraph type="secondary" style={{ marginTop: 12 }} data-testid="email-skipped">
          {t('mkEmail.skipped', { noConsent: num(record.skipped_no_consent), optOut: num(record.skipped_opt_out), noEmail: num(record.skipped_no_email) })}
        </Typography.Paragraph>
      </Card>
      <Card
        size="small"
        title={t('mkEmail.deliveries')}
        extra={
          <Segmented
            size="small"
            value={filter}
            onChange={(v) => setFilter(String(v))}
            options={STATUSES.map((s) => ({ value: s, label: t(s ? (`mkEmail.status.${s}` as const) : 'mkEmail.status.all') }))}
          />
        }
      >
        <Table<Delivery>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={rows}
          locale={{ emptyText: <Empty description={t('mkEmail.none')} /> }}
          columns={[
            {
              key: 'address',
              title: t('mkEmail.col.address'),
              render: (_, d) => (
                <Space>
                  {d.address}
                  {d.unsubscribed_at && <Tag color="orange">{t('mkEmail.unsubscribedTag')}</Tag>}
                </Space>
              ),
            },
            { key: 'status', title: t('mkEmail.col.status'), render: (_, d) => <Tag>{t(`mkEmail.status.${d.status}` as 'mkEmail.status.sent')}</Tag> },
            { key: 'sent_at', title: t('mkEmail.col.sentAt'), render: (_, d) => (d.sent_at ? new Date(`${d.sent_at}Z`).toLocaleString() : '') },
            { key: 'open', title: t('mkEmail.col.opened'), render: (_, d) => d.open_count || '' },
            { key: 'click', title: t('mkEmail.col.clicked'), render: (_, d) => d.click_count || '' },
            { key: 'error', title: t('mkEmail.col.error'), render: (_, d) => d.error ?? '' },
          ]}
        />
        {cursor && (
          <Button type="link" onClick={() => loadRows(cursor)} data-testid="email-more">
            {t('mkEmail.more')}
          </Button>
        )}
      </Card>
      <Modal
        open={testOpen}
        title={t('mkEmail.testSend')}
        okButtonProps={{ disabled: !testTo.includes('@') }}
        okText={t('mkEmail.testSend')}
        onCancel={() => setTestOpen(false)}
        onOk={async () => {
          try {
            const queued = await emailApi.sendTest(id, testTo.trim());
            message.success(t('mkEmail.testQueued', { subject: queued.subject, to: queued.to }));
            setTestOpen(false);
          } catch (e) {
            message.error(errorMessage(e, t));
          }
        }}
      >
        <Input data-testid="email-test-to" prefix={<span style={{ color: 'rgba(0, 0, 0, 0.45)' }}>{t('mkEmail.testTo')}</span>} value={testTo} onChange={(e) => setTestTo(e.target.value)} />
      </Modal>
      <Modal
        open={scheduleOpen}
        title={t('mkEmail.schedule')}
        okButtonProps={{ disabled: !when }}
        onCancel={() => setScheduleOpen(false)}
        onOk={async () => {
          if (!when) return;
          await run(() => emailApi.schedule(id, when.toDate().toISOString()), t('mkEmail.scheduled'));
          setScheduleOpen(false);
        }}
      >
        <Space>
          {t('mkEmail.scheduleAt')}
          <DatePicker showTime value={when} onChange={setWhen} />
        </Space>
      </Modal>
    </Space>
  );
}
