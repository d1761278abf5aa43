/**
 * /portal/:tenant/cases — the visitor's cases, newest activity first: "My cases" and, when the
 * portal user may see them, "Company cases"; open / closed / all; search by subject or number;
 * more pages on demand. The filters live in the URL, so Back returns to the same list.
 */
import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, Input, Segmented, Skeleton, Tabs, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { rememberTypeLabels } from '../caseTypes';
import { usePortal } from '../session';
import { formatWhen, portalErrorText } from '../text';
import type { CaseScope, CaseStatusFilter, PortalCase } from '../types';
import { StatusTag } from './CaseDetailPage';

const STATUSES: CaseStatusFilter[] = ['open', 'closed', 'all'];

export default function CasesPage() {
  const { t, lang } = useI18n();
  const { api, tenant, me } = usePortal();
  const [params, setParams] = useSearchParams();
  const scope: CaseScope = params.get('scope') === 'company' && me?.company_access ? 'company' : 'mine';
  const status = (STATUSES as string[]).includes(params.get('status') ?? '') ? (params.get('status') as CaseStatusFilter) : 'open';
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const [cases, setCases] = useState<PortalCase[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const base = `/portal/${encodeURIComponent(tenant)}`;
  const locale = me?.locale ?? lang;

  const change = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  useEffect(() => {
    const ctrl = new AbortController();
    setCases(null);
    setError(null);
    api.cases({ scope, status, q: q || undefined }, ctrl.signal).then(
      (page) => {
        rememberTypeLabels(locale, page.records);
        setCases(page.records);
        setCursor(page.next_cursor);
      },
      (e: unknown) => {
        if (!ctrl.signal.aborted) setError(portalErrorText(e, t));
      },
    );
    return () => ctrl.abort();
    // labels come in the portal user's locale: a language switch reloads the list
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, scope, status, q, locale]);

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    setMore(true);
    try {
      const page = await api.cases({ scope, status, q: q || undefined, cursor });
      rememberTypeLabels(locale, page.records);
      setCases((prev) => [...(prev ?? []), ...page.records]);
      setCursor(page.next_cursor);
    } catch (e) {
      setError(portalErrorText(e, t));
    } finally {
      setMore(false);
    }
  }, [api, cursor, scope, status, q, locale, t]);

  const list =
    cases === null ? (
      error ? null : (
        <Skeleton active />
      )
    ) : cases.length === 0 ? (
      <Empty description={q ? t('portal.cases.emptySearch', { q }) : t('portal.cases.empty')} />
    ) : (
      <>
        {cases.map((c) => (
          <Link key={c.id} to={`${base}/cases/${encodeURIComponent(c.id)}`} className="kp-row" data-testid="portal-case-row">
            <div className="kp-row-top">
              <span className="ky-mono">{c.case_no}</span>
              <span>{t('portal.cases.updated', { at: formatWhen(c.last_message_at ?? c.updated_at, lang) })}</span>
            </div>
            <div className="kp-row-subject">{c.subject}</div>
            <div>
              {/* "waiting for your reply" says it in the customer's words, instead of the status */}
              {c.waiting_on_you ? (
                <Tag color="gold" data-testid="portal-waiting">
                  {t('portal.cases.waitingOnYou')}
                </Tag>
              ) : (
                <StatusTag status={c.status} label={c.status_label} />
              )}
              {scope === 'company' && (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('portal.cases.by', { name: c.contact_name })}
                </Typography.Text>
              )}
            </div>
          </Link>
        ))}
        {cursor && (
          <Button block onClick={() => void loadMore()} loading={more} data-testid="portal-cases-more">
            {t('portal.loadMore')}
          </Button>
        )}
      </>
    );

  return (
    <div data-testid="portal-cases">
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('portal.cases.title')}
        </Typography.Title>
        <Link to={`${base}/cases/new`}>
          <Button type="primary" icon={<PlusOutlined />} data-testid="portal-new-case">
            {t('portal.cases.new')}
          </Button>
        </Link>
      </div>
      {me?.company_access ? (
        <Tabs
          activeKey={scope}
          onChange={(k) => change('scope', k === 'company' ? 'company' : '')}
          items={[
            { key: 'mine', label: t('portal.cases.mine') },
            { key: 'company', label: t('portal.cases.company') },
          ]}
        />
      ) : (
        <div style={{ height: 12 }} />
      )}
      <div className="kp-toolbar">
        <Segmented<CaseStatusFilter>
          value={status}
          onChange={(v) => change('status', v === 'open' ? '' : v)}
          options={STATUSES.map((s) => ({ value: s, label: t(`portal.cases.status.${s}`) }))}
          data-testid="portal-status-filter"
        />
        <Input.Search
          allowClear
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onSearch={(v) => change('q', v.trim())}
          placeholder={t('portal.cases.search')}
          aria-label={t('portal.cases.search')}
          style={{ maxWidth: 360 }}
          data-testid="portal-case-search"
        />
      </div>
      {error && <Alert type="error" showIcon className="ky-mb" message={error} />}
      {list}
    </div>
  );
}
