import { EnvironmentOutlined, PhoneOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Input, InputNumber, Select, Space, Spin, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { errorMessage } from '../../components/Status';
import { useI18n, type MessageKey, type TFunction } from '../../i18n';
import '../../i18n/service-care';
import { useCurrentUser, useFormatSettings } from '../../state/session';
import { fieldApi, type ContactPhone, type Location, type WorkOrder } from './fieldApi';
import { locate } from './geolocation';
import { SignaturePad } from './SignaturePad';

const STATUS_COLOR: Record<string, string> = {
  scheduled: 'blue',
  en_route: 'cyan',
  in_progress: 'geekblue',
  completed: 'green',
  cancelled: 'default',
};

function clock(iso: string | null, timeZone: string, lang: string): string {
  if (!iso) return '';
  const d = new Date(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  // hourCycle h23, not hour12: false — the latter shows a time just after midnight as 24:20.
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(d);
}

/** The server's words for a refused step: its field messages when it named fields. */
function problemText(e: unknown, t: TFunction): string {
  if (e instanceof ApiError && e.fieldErrors.length) return e.fieldErrors.map((f) => f.message).join(' ');
  return errorMessage(e, t);
}

type Step = 'check_in' | 'check_out';

/**
 * One visit: the window, the customer, and the next step — check in, check out with a work
 * summary, parts used, the customer's signature. A step asks the phone for its location
 * first; when there is none it says why and lets the technician go on without it.
 */
export function VisitCard({ order, contact, onChanged }: { order: WorkOrder; contact?: ContactPhone; onChanged: (next: Partial<WorkOrder>) => void }) {
  const { t, lang } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<Step | 'en_route' | 'sign' | 'part' | null>(null);
  const [noLocation, setNoLocation] = useState<{ step: Step; reason: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [summary, setSummary] = useState('');
  const [signer, setSigner] = useState('');
  const [part, setPart] = useState<{ product?: string; quantity: number; serial: string }>({ quantity: 1, serial: '' });
  const [products, setProducts] = useState<{ value: string; label: string }[]>([]);
  const tz = fmt.timeZone;
  const phone = contact?.mobile || contact?.phone || null;
  const contactName = contact?.name ?? order._display?.contact ?? '';

  const send = async (step: Step, at: Location | null) => {
    setBusy(step);
    setError(null);
    try {
      const saved = step === 'check_in' ? await fieldApi.checkIn(order.id, at) : await fieldApi.checkOut(order.id, at, summary.trim());
      setNoLocation(null);
      onChanged(saved);
      message.success(t('care.day.done'));
    } catch (e) {
      setError(problemText(e, t));
    } finally {
      setBusy(null);
    }
  };

  const setOff = async () => {
    setBusy('en_route');
    setError(null);
    try {
      onChanged(await fieldApi.enRoute(order.id));
      message.success(t('care.day.done'));
    } catch (e) {
      setError(problemText(e, t));
    } finally {
      setBusy(null);
    }
  };

  const run = async (step: Step) => {
    if (step === 'check_out' && !summary.trim()) {
      setError(t('care.day.summaryRequired'));
      return;
    }
    setBusy(step);
    setError(null);
    const found = await locate();
    if (found.ok) {
      await send(step, found.at);
    } else {
      setBusy(null);
      setNoLocation({ step, reason: found.reason });
    }
  };

  const sign = async (png: string) => {
    if (!signer.trim()) {
      setError(t('care.day.signerRequired'));
      return;
    }
    setBusy('sign');
    setError(null);
    try {
      onChanged(await fieldApi.signOff(order.id, signer.trim(), png));
      message.success(t('care.day.done'));
    } catch (e) {
      setError(problemText(e, t));
    } finally {
      setBusy(null);
    }
  };

  const addPart = async () => {
    if (!part.product) return;
    setBusy('part');
    setError(null);
    try {
      await fieldApi.addPart(order.id, part.product, part.quantity, part.serial.trim() || null);
      setPart({ quantity: 1, serial: '' });
      message.success(t('care.day.partAdded'));
    } catch (e) {
      setError(problemText(e, t));
    } finally {
      setBusy(null);
    }
  };

  const searchProducts = useCallback((q: string) => {
    fieldApi
      .products(q)
      .then((found) => setProducts(found.map((p) => ({ value: p.id, label: p.name }))))
      .catch(() => setProducts([]));
  }, []);

  const open = order.status === 'scheduled' || order.status === 'en_route';
  const visiting = order.status === 'in_progress';
  return (
    <Card
      size="small"
      data-testid={`visit-${order.id}`}
      title={
        <Space wrap>
          <Typography.Text strong>{t('care.day.window', { start: clock(order.scheduled_start, tz, lang), end: clock(order.scheduled_end, tz, lang) })}</Typography.Text>
          <Tag color={STATUS_COLOR[order.status]}>{t(`care.status.${order.status}` as MessageKey)}</Tag>
        </Space>
      }
      extra={<Link to={`/o/work_order/${order.id}`}>{t('care.day.openRecord')}</Link>}
    >
      <Typography.Paragraph style={{ marginBottom: 4 }} strong>
        {order.subject} <Typography.Text type="secondary">{order.work_order_no}</Typography.Text>
      </Typography.Paragraph>
      {order.address && (
        <Typography.Paragraph style={{ marginBottom: 4 }}>
          <EnvironmentOutlined /> {order.address}
        </Typography.Paragraph>
      )}
      {contactName && (
        <Typography.Paragraph style={{ marginBottom: 8 }}>
          {contactName}
          {phone && (
            <a href={`tel:${phone.replace(/[^\d+]/g, '')}`} style={{ marginLeft: 12 }} aria-label={t('care.day.call', { name: contactName })} data-testid="visit-call">
              <PhoneOutlined /> {phone}
            </a>
          )}
        </Typography.Paragraph>
      )}
      {order.en_route_at && <div>{t('care.day.setOff', { time: clock(order.en_route_at, tz, lang) })}</div>}
      {order.check_in_at && <div>{t('care.day.checkedIn', { time: clock(order.check_in_at, tz, lang) })}</div>}
      {order.check_out_at && <div>{t('care.day.checkedOut', { time: clock(order.check_out_at, tz, lang) })}</div>}
      {order.signed_at && <div>{t('care.day.signedBy', { name: order.signed_by_name ?? '', time: clock(order.signed_at, tz, lang) })}</div>}

      {busy && (busy === 'check_in' || busy === 'check_out') && !noLocation && <div style={{ color: '#888' }}>{t('care.day.locating')}</div>}
      {noLocation && (
        <Alert
          style={{ margin: '8px 0' }}
          type="warning"
          showIcon
          message={t('care.day.noLocation', { reason: noLocation.reason })}
          action={
            <Button size="small" onClick={() => void send(noLocation.step, null)} data-testid="visit-without-location">
              {t('care.day.continueWithout')}
            </Button>
          }
        />
      )}
      {error && <Alert style={{ margin: '8px 0' }} type="error" showIcon message={error} />}

      {order.status === 'scheduled' && (
        <Button block size="large" style={{ marginTop: 8 }} loading={busy === 'en_route'} onClick={() => void setOff()} data-testid="visit-en-route">
          {t('care.day.enRoute')}
        </Button>
      )}
      {open && (
        <Button type="primary" block size="large" style={{ marginTop: 8 }} loading={busy === 'check_in'} onClick={() => void run('check_in')} data-testid="visit-check-in">
          {t('care.day.checkIn')}
        </Button>
      )}
      {visiting && !order.check_out_at && (
        <div style={{ marginTop: 8 }}>
          <Typography.Text strong>{t('care.day.parts')}</Typography.Text>
          <Space.Compact block style={{ margin: '4px 0 8px' }}>
            <Select
              showSearch
              filterOption={false}
              onSearch={searchProducts}
              onFocus={() => searchProducts('')}
              placeholder={t('care.day.product')}
              options={products}
              value={part.product}
              onChange={(v: string) => setPart((p) => ({ ...p, product: v }))}
              style={{ flex: 2 }}
              data-testid="part-product"
            />
            <InputNumber min={0.001} value={part.quantity} onChange={(v) => setPart((p) => ({ ...p, quantity: Number(v ?? 1) }))} aria-label={t('care.day.quantity')} style={{ width: 80 }} />
          </Space.Compact>
          <Space.Compact block>
            <Input placeholder={t('care.day.serial')} value={part.serial} onChange={(e) => setPart((p) => ({ ...p, serial: e.target.value }))} />
            <Button onClick={() => void addPart()} disabled={!part.product} loading={busy === 'part'} data-testid="part-add">
              {t('care.day.addPart')}
            </Button>
          </Space.Compact>
          <Input.TextArea
            style={{ marginTop: 12 }}
            rows={3}
            placeholder={t('care.day.summary')}
            aria-label={t('care.day.summary')}
            value={summary}
            onChange={(e) => setSummary(e.target.value)}
            data-testid="visit-summary"
          />
          <Button type="primary" block size="large" style={{ marginTop: 8 }} loading={busy === 'check_out'} onClick={() => void run('check_out')} data-testid="visit-check-out">
            {t('care.day.checkOut')}
          </Button>
        </div>
      )}
      {visiting && order.check_out_at && !order.signed_at && (
        <div style={{ marginTop: 8 }}>
          <Typography.Text strong>{t('care.day.signOff')}</Typography.Text>
          <Input
            style={{ margin: '4px 0 8px' }}
            placeholder={t('care.day.signerName')}
            aria-label={t('care.day.signerName')}
            value={signer}
            onChange={(e) => setSigner(e.target.value)}
            data-testid="visit-signer"
          />
          <SignaturePad onConfirm={(png) => void sign(png)} busy={busy === 'sign'} />
        </div>
      )}
    </Card>
  );
}

/**
 * The technician's day (/service/my-day): today's work orders in time order, phone-first —
 * one column, large buttons, tap-to-call.
 */
export default function MyDayPage() {
  const { t } = useI18n();
  const user = useCurrentUser();
  const [orders, setOrders] = useState<WorkOrder[] | null>(null);
  const [contacts, setContacts] = useState<Record<string, ContactPhone>>({});
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    document.title = t('care.day.title');
  }, [t]);

  useEffect(() => {
    if (!user) return;
    const ctrl = new AbortController();
    fieldApi
      .myDay(user.id, ctrl.signal)
      .then(async (found) => {
        if (ctrl.signal.aborted) return;
        setOrders(found);
        const ids = [...new Set(found.map((o) => o.contact).filter((c): c is string => !!c))];
        const phones = await fieldApi.contacts(ids, ctrl.signal);
        if (!ctrl.signal.aborted) setContacts(Object.fromEntries(phones.map((c) => [c.id, c])));
      })
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [user]);

  const changed = (id: string, next: Partial<WorkOrder>) =>
    setOrders((list) => (list ?? []).map((o) => (o.id === id ? { ...o, ...next } : o)));

  return (
    <div style={{ maxWidth: 560, margin: '0 auto', padding: '8px 4px' }}>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('care.day.title')}
      </Typography.Title>
      {error ? (
        <Alert type="error" showIcon message={errorMessage(error, t)} />
      ) : orders === null ? (
        <Spin style={{ display: 'block', margin: '48px auto' }} />
      ) : orders.length === 0 ? (
        <Empty description={t('care.day.empty')} />
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          {orders.map((order) => (
            <VisitCard key={order.id} order={order} contact={order.contact ? contacts[order.contact] : undefined} onChanged={(next) => changed(order.id, next)} />
          ))}
        </Space>
      )}
    </div>
  );
}
