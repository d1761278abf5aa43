import { AuditOutlined, ReloadOutlined } from '@ant-design/icons';
import { Badge, Button, Drawer, Empty, Table, Tabs, Tag } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes, type MouseEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { Approval, ApprovalBox } from '../api/types';
import { ApprovalDetail } from '../components/approvals/ApprovalDetail';
import '../components/approvals/approvals.css';
import '../components/records.css';
import { ErrorResult } from '../components/Status';
import { useI18n } from '../i18n';
import { APPROVAL_BOXES, STATUS_COLORS, currentStep, inboxAfter, recordPath, statusKey } from '../lib/approvals';
import { formatDateTime } from '../lib/format';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';

const TAB_KEYS = { pending: 'approvals.box.pending', submitted: 'approvals.box.submitted', done: 'approvals.box.done' } as const;

function boxOf(value: string | null): ApprovalBox {
  return APPROVAL_BOXES.includes(value as ApprovalBox) ? (value as ApprovalBox) : 'pending';
}

/**
 * The approvals inbox (审批): waiting for me, submitted by me, and decided by me, newest first.
 * A row opens the approval in a drawer with its steps, decisions and trail, and the actions the
 * caller may take there. The tab is in the URL (?box=), so a link can open the right one.
 */
export default function ApprovalsPage() {
  const { t, label } = useI18n();
  const fmt = useFormatSettings();
  const { getObject } = useMetadata();
  const [params, setParams] = useSearchParams();
  const box = boxOf(params.get('box'));
  const [rows, setRows] = useState<Approval[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [pending, setPending] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);
  /** The approval the drawer shows after it left the list (decided from "waiting for me"). */
  const [kept, setKept] = useState<Approval | null>(null);

  const load = useCallback(
    (cursor?: string | null, signal?: AbortSignal) => {
      setError(null);
      if (cursor) setLoadingMore(true);
      api
        .approvals(box, cursor, signal)
        .then((page) => {
          setRows((old) => (cursor ? [...(old ?? []), ...page.approvals] : page.approvals));
          setNext(page.next_cursor);
          setPending(page.counts.pending);
        })
        .catch((e) => {
          if (!signal?.aborted) setError(e);
        })
        .finally(() => setLoadingMore(false));
    },
    [box],
  );
  useEffect(() => {
    const ctrl = new AbortController();
    setRows(null);
    load(null, ctrl.signal);
    return () => ctrl.abort();
  }, [load]);
  useEffect(() => {
    document.title = t('approvals.title');
  }, [t]);

  const open = rows?.find((a) => a.id === openId) ?? null;
  const onChanged = (updated: Approval) => {
    const after = inboxAfter(box, rows ?? [], updated);
    // Still shown in the drawer until it is closed, even when it left the list.
    if (!after.some((a) => a.id === updated.id)) setKept(updated);
    setRows(after);
    if (box === 'pending' && !updated.can_act) setPending((n) => (n === null ? n : Math.max(0, n - 1)));
  };
  const shown = open ?? (kept && kept.id === openId ? kept : null);

  const objectLabel = (name: string) => {
    const o = getObject(name);
    return o ? label(o.labels, name) : name;
  };

  return (
    <div className="ky-page" data-testid="approvals-page">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <AuditOutlined className="ky-approvals-titleicon" />
          <div>
            <h1>{t('approvals.title')}</h1>
            <div className="ky-page-sub">{t('approvals.subtitle')}</div>
          </div>
        </div>
        <Button icon={<ReloadOutlined />} onClick={() => load()} aria-label={t('approvals.refresh')}>
          {t('approvals.refresh')}
        </Button>
      </div>
      <div className="ky-panel">
        <Tabs
          activeKey={box}
          onChange={(key) => setParams(key === 'pending' ? {} : { box: key }, { replace: true })}
          items={APPROVAL_BOXES.map((key) => ({
            key,
            label: (
              <span data-testid={`approvals-tab-${key}`}>
                {t(TAB_KEYS[key])}
                {key === 'pending' && pending ? <Badge count={pending} size="small" className="ky-tabcount" style={{ marginLeft: 6 }} /> : null}
              </span>
            ),
          }))}
        />
        {error ? (
          <ErrorResult error={error} onRetry={() => load()} />
        ) : (
          <Table<Approval>
            rowKey="id"
            size="middle"
            loading={rows === null}
            dataSource={rows ?? []}
            pagination={false}
            scroll={{ x: 860 }}
            data-testid="approvals-table"
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(`approvals.empty.${box}`)} /> }}
            onRow={(a) =>
              ({
                'data-testid': `approval-row-${a.id}`,
                onClick: (e: MouseEvent) => {
                  if ((e.target as HTMLElement).closest('a')) return;
                  setOpenId(a.id);
                },
                style: { cursor: 'pointer' },
              }) as HTMLAttributes<HTMLElement>
            }
            columns={[
              {
                title: t('approvals.record'),
                key: 'record',
                render: (_, a) => (
                  <div>
                    <Link to={recordPath(a)}>{a.record_title}</Link>
                    <div className="ky-page-sub">{objectLabel(a.object)}</div>
                  </div>
                ),
              },
              { title: t('approvals.process'), key: 'process', render: (_, a) => label(a.process_labels, a.process) },
              { title: t('approvals.submitter'), key: 'submitter', render: (_, a) => a.submitter_name ?? '—' },
              {
                title: t('approvals.step'),
                key: 'step',
                render: (_, a) => {
                  const s = currentStep(a);
                  return s ? label(s.labels, t('approvals.stepN', { n: s.index + 1 })) : '—';
                },
              },
              {
                title: t('approvals.status'),
                key: 'status',
                width: 110,
                render: (_, a) => <Tag color={STATUS_COLORS[a.status] ?? 'default'}>{t(statusKey(a.status))}</Tag>,
              },
              { title: t('approvals.submittedAt'), key: 'submitted_at', width: 170, render: (_, a) => formatDateTime(a.submitted_at, fmt) },
              {
                key: 'open',
                width: 90,
                align: 'right',
                render: (_, a) => (
                  <Button size="small" type={a.can_act ? 'primary' : 'default'} data-testid={`approval-open-${a.id}`} onClick={() => setOpenId(a.id)}>
                    {a.can_act ? t('approvals.review') : t('approvals.view')}
                  </Button>
                ),
              },
            ]}
          />
        )}
        {next && (
          <Button style={{ marginTop: 12 }} loading={loadingMore} onClick={() => load(next)}>
            {t('common.loadMore')}
          </Button>
        )}
      </div>
      <Drawer
        open={!!shown}
        width={640}
        title={shown ? shown.record_title : ''}
        onClose={() => {
          setOpenId(null);
          setKept(null);
        }}
        destroyOnHidden
      >
        {shown && <ApprovalDetail approval={shown} onChanged={onChanged} />}
      </Drawer>
    </div>
  );
}
