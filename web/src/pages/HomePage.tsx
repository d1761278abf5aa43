import { ClockCircleOutlined } from '@ant-design/icons';
import { Col, Empty, Row, Segmented, Skeleton } from 'antd';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api/endpoints';
import { fetchHomeDashboard, readHomeHint, writeHomeHint } from '../dashboards/home';
import type { FieldMeta, ObjectMeta } from '../api/types';
import type { EChartOption } from '../charts/EChart';
import { MyTasks } from '../components/MyTasks';
import { groupObjects } from '../lib/navigation';
import { ObjectIcon, objectColor } from '../components/ObjectIcon';
import '../components/records.css';
import { optionLabel } from '../fields/text';
import { useI18n } from '../i18n';
import { formatCompactCurrency, formatCompactNumber, formatCurrency } from '../lib/format';
import { loadRecent } from '../lib/recent';
import { wallClockIn } from '../lib/tz';
import { useMetadata } from '../state/metadata';
import { useFormatSettings, useSession } from '../state/session';

const EChart = lazy(() => import('../charts/EChart'));
// The grid, its widgets and their strings: loaded only when the person has a home dashboard.
const HomeDashboard = lazy(() => import('../dashboards/HomeDashboard'));

/**
 * The person's home dashboard (their own, else their role's), or null for today's home.
 *
 * Starts from the answer remembered in this browser, so a person without one sees today's home
 * at once and one with a dashboard starts loading it at once; the server's answer then decides
 * (and is remembered). A failed request keeps what is shown.
 */
export function useHomeDashboard(tenant: string, user: string): string | null {
  const [id, setId] = useState<string | null>(() => readHomeHint(tenant, user) ?? null);
  useEffect(() => {
    const ctrl = new AbortController();
    fetchHomeDashboard(ctrl.signal)
      .then((home) => {
        setId(home.dashboard_id);
        writeHomeHint(tenant, user, home.dashboard_id);
      })
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [tenant, user]);
  return id;
}

/** The object/fields for the pipeline chart: opportunity.stage × amount, else the first picklist × currency pair. */
export function pickPipeline(objects: ObjectMeta[]): { object: ObjectMeta; group: FieldMeta; amount: FieldMeta | null } | null {
  const ordered = [...objects].sort((a, b) => (a.name === 'opportunity' ? -1 : b.name === 'opportunity' ? 1 : 0));
  for (const o of ordered) {
    if (o.name === 'activity') continue;
    const group = o.fields.find((f) => f.name === 'stage' && f.type === 'picklist') ?? o.fields.find((f) => f.type === 'picklist');
    const amount = o.fields.find((f) => f.type === 'currency') ?? null;
    if (group && (amount || o.name === 'opportunity')) return { object: o, group, amount };
  }
  return null;
}

function Greeting() {
  const { t } = useI18n();
  const { session } = useSession();
  const fmt = useFormatSettings();
  const hour = wallClockIn(Date.now(), fmt.timeZone).hour;
  const key = hour < 12 ? 'home.greeting.morning' : hour < 18 ? 'home.greeting.afternoon' : 'home.greeting.evening';
  return (
    <div className="ky-home-hello">
      <h1>{t(key, { name: session?.user.name ?? '' })}</h1>
      <div className="ky-page-sub">{t('home.subtitle', { tenant: session?.tenant.label || session?.tenant.name || '' })}</div>
    </div>
  );
}

function ObjectTiles({ objects }: { objects: ObjectMeta[] }) {
  const { label } = useI18n();
  const fmt = useFormatSettings();
  const [counts, setCounts] = useState<Record<string, number>>({});
  useEffect(() => {
    const ctrl = new AbortController();
    for (const o of objects) {
      api
        .aggregate(o.name, { aggregates: [{ op: 'count' }] }, ctrl.signal)
        .then((r) => {
          const c = r.groups?.[0]?.values?.count;
          if (typeof c === 'number') setCounts((prev) => ({ ...prev, [o.name]: c }));
        })
        .catch(() => undefined);
    }
    return () => ctrl.abort();
  }, [objects]);
  return (
    <div className="ky-tiles">
      {objects.map((o) => (
        <Link key={o.name} to={`/o/${o.name}`} className="ky-tile" style={{ borderTopColor: objectColor(o.name) }}>
          <ObjectIcon name={o.name} icon={o.icon} size={34} />
          <div className="ky-tile-text">
            <div className="ky-tile-label">{label(o.plural_labels ?? o.labels, o.name)}</div>
            <div className="ky-tile-count">{counts[o.name] !== undefined ? counts[o.name].toLocaleString(fmt.locale) : '·'}</div>
          </div>
        </Link>
      ))}
    </div>
  );
}

function PipelineChart({ objects }: { objects: ObjectMeta[] }) {
  const { t, label, lang } = useI18n();
  const fmt = useFormatSettings();
  const pick = useMemo(() => pickPipeline(objects), [objects]);
  const [measure, setMeasure] = useState<'amount' | 'count'>('amount');
  const [groups, setGroups] = useState<{ key: string; count: number; sum: number }[] | null>(null);

  useEffect(() => {
    if (!pick) return;
    const ctrl = new AbortController();
    const aggregates: { op: 'count' | 'sum'; field?: string }[] = [{ op: 'count' }];
    if (pick.amount) aggregates.push({ op: 'sum', field: pick.amount.name });
    api
      .aggregate(pick.object.name, { group_by: [{ field: pick.group.name }], aggregates }, ctrl.signal)
      .then((r) => {
        const order = (pick.group.options ?? []).map((o) => o.value);
        const rows = (r.groups ?? []).map((g) => ({
          key: String(g.key[pick.group.name] ?? ''),
          count: Number(g.values.count ?? 0),
          sum: pick.amount ? Number(g.values[`sum_${pick.amount.name}`] ?? 0) : 0,
        }));
        rows.sort((a, b) => (order.indexOf(a.key) + 1 || 999) - (order.indexOf(b.key) + 1 || 999));
        setGroups(rows);
      })
      .catch(() => setGroups([]));
    return () => ctrl.abort();
  }, [pick]);

  if (!pick) return null;
  const useAmount = measure === 'amount' && !!pick.amount;
  const option: EChartOption | null =
    groups && groups.length
      ? {
          grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
          tooltip: {
            trigger: 'axis',
            axisPointer: { type: 'shadow' },
            valueFormatter: (v: unknown) => (useAmount ? formatCurrency(v, fmt) : String(v)),
          },
          xAxis: {
            type: 'category',
            data: groups.map((g) => (g.key ? optionLabel(pick.group, g.key, lang) : t('common.empty'))),
            axisTick: { show: false },
            axisLabel: { interval: 0, hideOverlap: true },
          },
          yAxis: {
            type: 'value',
            axisLabel: { formatter: (v: number) => (useAmount ? formatCompactCurrency(v, fmt) : formatCompactNumber(v, fmt)) },
            splitLine: { lineStyle: { color: '#eef1f6' } },
          },
          series: [
            {
              type: 'bar',
              name: useAmount ? t('home.amount') : t('home.count'),
              data: groups.map((g) => (useAmount ? g.sum : g.count)),
              barMaxWidth: 44,
              itemStyle: { borderRadius: [6, 6, 0, 0], color: '#3358d4' },
            },
          ],
        }
      : null;

  return (
    <div className="ky-panel ky-home-card">
      <div className="ky-home-card-head">
        <div className="ky-panel-title">
          {t('home.pipeline')} · {label(pick.object.plural_labels ?? pick.object.labels, pick.object.name)}
        </div>
        {pick.amount && (
          <Segmented
            size="small"
            value={measure}
            onChange={(v) => setMeasure(v as 'amount' | 'count')}
            options={[
              { value: 'amount', label: t('home.amount') },
              { value: 'count', label: t('home.count') },
            ]}
          />
        )}
      </div>
      {groups === null ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : option ? (
        <Suspense fallback={<Skeleton active paragraph={{ rows: 6 }} />}>
          <EChart option={option} height={300} />
        </Suspense>
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('home.pipelineEmpty')} />
      )}
    </div>
  );
}

function Recent() {
  const { t, label } = useI18n();
  const { session } = useSession();
  const { getObject } = useMetadata();
  const items = loadRecent(session?.tenant.name ?? '').slice(0, 8);
  return (
    <div className="ky-panel ky-home-card">
      <div className="ky-panel-title">
        <ClockCircleOutlined /> {t('home.recent')}
      </div>
      {items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('home.recentEmpty')} />
      ) : (
        <ul className="ky-recent">
          {items.map((r) => {
            const o = getObject(r.object);
            return (
              <li key={`${r.object}:${r.id}`}>
                <Link to={`/o/${r.object}/${encodeURIComponent(r.id)}`}>
                  <ObjectIcon name={r.object} icon={o?.icon} size={24} />
                  <span className="ky-recent-title">{r.title || t('record.untitled')}</span>
                  <span className="ky-recent-obj">{o ? label(o.labels, o.name) : r.object}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

export default function HomePage() {
  const { t } = useI18n();
  const { objects } = useMetadata();
  const { session } = useSession();
  const dashboardId = useHomeDashboard(session?.tenant.name ?? '', session?.user.id ?? '');
  useEffect(() => {
    document.title = `${t('nav.home')} · ${t('app.name')}`;
  }, [t]);
  return (
    <div className="ky-page ky-home">
      <Greeting />
      {dashboardId ? (
        <Suspense fallback={<Skeleton active paragraph={{ rows: 8 }} />}>
          <HomeDashboard key={dashboardId} id={dashboardId} />
        </Suspense>
      ) : (
        <>
          <ObjectTiles objects={groupObjects(objects).business} />
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={16}>
              <PipelineChart objects={objects} />
            </Col>
            <Col xs={24} lg={8}>
              <div className="ky-home-side">
                <MyTasks />
                <Recent />
              </div>
            </Col>
          </Row>
        </>
      )}
    </div>
  );
}
