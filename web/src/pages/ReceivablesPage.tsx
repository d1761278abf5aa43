/**
 * Receivables (应收账款, /receivables): what customers still owe per account or per owner, how
 * much of it is overdue, and its aging (not yet due, 1–30, 31–60, 61–90, over 90 days), as of a
 * day. Amounts are the server's decimal strings, formatted without going through `Number`.
 */
import '../i18n/l2c';
import { AccountBookOutlined } from '@ant-design/icons';
import { Button, Card, Col, DatePicker, Empty, Radio, Row, Skeleton, Space, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { AGING_BUCKETS, l2cApi, type AgingBucket, type ReceivableRow, type Receivables } from '../api/l2c';
import { ErrorResult } from '../components/Status';
import { useI18n } from '../i18n';
import { compare, formatMoney } from '../lib/decimal';
import { todayIn } from '../lib/format';
import { useFormatSettings } from '../state/session';
import '../components/l2c/l2c.css';

type GroupBy = 'account' | 'owner';

/** Where a row links: the account's page, or the owner's (a user record). */
export function receivableLink(groupBy: GroupBy, id: string): string {
  return groupBy === 'account' ? `/o/account/${encodeURIComponent(id)}` : `/o/user/${encodeURIComponent(id)}`;
}

export default function ReceivablesPage() {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const [groupBy, setGroupBy] = useState<GroupBy>('account');
  const [asOf, setAsOf] = useState<string>(() => todayIn(fmt.timeZone));
  const [data, setData] = useState<Receivables | null>(null);
  const [rows, setRows] = useState<ReceivableRow[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);

  useEffect(() => {
    document.title = t('receivables.title');
  }, [t]);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    l2cApi
      .receivables({ group_by: groupBy, as_of: asOf }, ctrl.signal)
      .then((r) => {
        setData(r);
        setRows(r.rows);
      })
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [groupBy, asOf]);

  const loadMore = async () => {
    if (!data?.next_cursor) return;
    setMore(true);
    try {
      const next = await l2cApi.receivables({ group_by: groupBy, as_of: asOf, cursor: data.next_cursor });
      setData({ ...data, next_cursor: next.next_cursor });
      setRows((rs) => [...rs, ...next.rows]);
    } catch (e) {
      setError(e);
    } finally {
      setMore(false);
    }
  };

  const currency = data?.currency ?? 'CNY';
  const money = (v: string | undefined) => formatMoney(v ?? '0', currency);
  const bucketTitle = (b: AgingBucket) => t(`receivables.${b}`);

  const columns = [
    {
      key: 'name',
      title: groupBy === 'account' ? t('receivables.byAccount') : t('receivables.byOwner'),
      fixed: 'left' as const,
      render: (_: unknown, r: ReceivableRow) =>
        r.id ? (
          <Link to={receivableLink(groupBy, r.id)} className="ky-namecell">
            {r.name}
          </Link>
        ) : (
          <span>{r.name || '—'}</span>
        ),
    },
    {
      key: 'outstanding',
      title: t('receivables.outstanding'),
      align: 'right' as const,
      sorter: (a: ReceivableRow, b: ReceivableRow) => compare(a.outstanding, b.outstanding),
      render: (_: unknown, r: ReceivableRow) => <span className="ky-num">{money(r.outstanding)}</span>,
    },
    {
      key: 'overdue',
      title: t('receivables.overdue'),
      align: 'right' as const,
      sorter: (a: ReceivableRow, b: ReceivableRow) => compare(a.overdue, b.overdue),
      render: (_: unknown, r: ReceivableRow) => <span className={`ky-num${compare(r.overdue, '0') > 0 ? ' ky-overdue' : ''}`}>{money(r.overdue)}</span>,
    },
    ...AGING_BUCKETS.map((b) => ({
      key: b,
      title: bucketTitle(b),
      align: 'right' as const,
      render: (_: unknown, r: ReceivableRow) => <span className="ky-num">{compare(r.buckets?.[b], '0') === 0 ? '—' : money(r.buckets?.[b])}</span>,
    })),
  ];

  return (
    <div className="ky-page ky-receivables-page" data-testid="receivables">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <AccountBookOutlined style={{ fontSize: 24 }} />
          <div>
            <h1>{t('receivables.title')}</h1>
            <Typography.Text type="secondary">{t('receivables.subtitle')}</Typography.Text>
          </div>
        </div>
        <Space wrap>
          <Radio.Group value={groupBy} onChange={(e) => setGroupBy(e.target.value as GroupBy)} optionType="button" aria-label={t('receivables.groupBy')} data-testid="receivables-group">
            <Radio.Button value="account" data-testid="receivables-by-account">
              {t('receivables.byAccount')}
            </Radio.Button>
            <Radio.Button value="owner" data-testid="receivables-by-owner">
              {t('receivables.byOwner')}
            </Radio.Button>
          </Radio.Group>
          <span>
            {t('receivables.asOf')}{' '}
            <DatePicker
              value={dayjs(asOf)}
              format="YYYY-MM-DD"
              allowClear={false}
              onChange={(d) => d && setAsOf(d.format('YYYY-MM-DD'))}
              aria-label={t('receivables.asOf')}
              data-testid="receivables-as-of"
            />
          </span>
        </Space>
      </div>
      {error ? (
        <ErrorResult error={error} />
      ) : loading && !data ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : data ? (
        <>
          <Row gutter={[16, 16]} className="ky-receivables-cards">
            <Col xs={12} md={6}>
              <Card size="small">
                <div className="ky-readfield-label">{t('receivables.outstanding')}</div>
                <div className="ky-kpi" data-testid="receivables-outstanding">
                  {money(data.totals.outstanding)}
                </div>
              </Card>
            </Col>
            <Col xs={12} md={6}>
              <Card size="small">
                <div className="ky-readfield-label">{t('receivables.overdue')}</div>
                <div className={`ky-kpi${compare(data.totals.overdue, '0') > 0 ? ' ky-overdue' : ''}`} data-testid="receivables-overdue">
                  {money(data.totals.overdue)}
                </div>
              </Card>
            </Col>
            <Col xs={24} md={12}>
              <Card size="small">
                <div className="ky-aging" data-testid="receivables-buckets">
                  {AGING_BUCKETS.map((b) => (
                    <div key={b} className="ky-aging-bucket">
                      <div className="ky-readfield-label">{bucketTitle(b)}</div>
                      <div className="ky-num" data-testid={`receivables-bucket-${b}`}>
                        {money(data.totals.buckets[b])}
                      </div>
                    </div>
                  ))}
                </div>
              </Card>
            </Col>
          </Row>
          <div className="ky-panel" style={{ marginTop: 16 }}>
            <Table<ReceivableRow>
              rowKey={(r) => r.id ?? ''}
              size="small"
              loading={loading}
              pagination={false}
              dataSource={rows}
              columns={columns}
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: <Empty description={t('receivables.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} /> }}
              onRow={(r) => ({ 'data-testid': `receivables-row-${r.id ?? 'none'}` }) as React.HTMLAttributes<HTMLElement>}
            />
            {data.next_cursor && (
              <Button block onClick={() => void loadMore()} loading={more} style={{ marginTop: 8 }}>
                {t('receivables.more')}
              </Button>
            )}
          </div>
        </>
      ) : null}
    </div>
  );
}
