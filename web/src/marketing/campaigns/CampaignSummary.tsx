/**
 * The campaign page's results (marketing package): a summary strip — budget, actual cost, cost
 * per lead, ROI, won amount, members — and the member funnel, invited → registered → attended →
 * responded → converted.
 *
 * The strip reads the campaign's own roll-ups and formulas (kept by the server), labelled and
 * formatted from their metadata, so an administrator's relabelling shows here too. The funnel
 * counts the members per status with one aggregate query; each stage shows how many members
 * reached it (are at it or a later status) and how many are at it now.
 */
import '../../i18n/marketing-campaigns';
import { Alert, Card, Col, Progress, Row, Statistic, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../../api/endpoints';
import type { FieldMeta, ObjectMeta, RecordData } from '../../api/types';
import { displayText, optionLabel } from '../../fields/text';
import { useI18n } from '../../i18n';
import { useFormatSettings } from '../../state/session';
import { useMetadata } from '../../state/metadata';

/** The strip's fields, in order (those the tenant's campaign lacks are left out). */
export const SUMMARY_FIELDS = ['budget', 'actual_cost', 'cost_per_lead', 'roi', 'won_amount', 'member_count'] as const;
/** The funnel's stages, in the order a member moves through them. */
export const FUNNEL = ['invited', 'registered', 'attended', 'responded', 'converted'] as const;

export interface FunnelStage {
  status: string;
  /** Members at this status now. */
  count: number;
  /** Members at this status or a later one. */
  reached: number;
}

/** Stages from the per-status counts: a member at a later stage has passed the earlier ones. */
export function funnelStages(counts: Record<string, number>): FunnelStage[] {
  let later = 0;
  const stages: FunnelStage[] = [];
  for (const status of [...FUNNEL].reverse()) {
    const count = counts[status] ?? 0;
    later += count;
    stages.unshift({ status, count, reached: later });
  }
  return stages;
}

export default function CampaignSummary({ object, record, refreshKey = 0 }: { object: ObjectMeta; record: RecordData; refreshKey?: number }) {
  const { t, lang, label } = useI18n();
  const fmt = useFormatSettings();
  const { getObject } = useMetadata();
  const fields = SUMMARY_FIELDS.map((name) => object.fields.find((f) => f.name === name)).filter((f): f is FieldMeta => f !== undefined);
  return (
    <Card size="small" title={t('campaign.summary.title')} style={{ marginBottom: 12 }} data-testid="campaign-summary">
      <Row gutter={[16, 12]}>
        {fields.map((f) => (
          <Col key={f.name} xs={12} sm={8} md={4}>
            <Statistic title={label(f.labels, f.name)} valueStyle={{ fontSize: 18 }} value={record[f.name] === null || record[f.name] === undefined ? '—' : displayText(f, record, fmt, lang)} data-testid={`campaign-summary-${f.name}`} />
          </Col>
        ))}
      </Row>
      <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0', fontSize: 12 }}>
        {t('campaign.summary.firstTouch')}
      </Typography.Paragraph>
      <MemberFunnel campaignId={record.id} member={getObject('campaign_member')} refreshKey={refreshKey} />
    </Card>
  );
}

function MemberFunnel({ campaignId, member, refreshKey }: { campaignId: string; member: ObjectMeta | undefined; refreshKey: number }) {
  const { t, lang } = useI18n();
  const [counts, setCounts] = useState<Record<string, number> | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!member) return;
    const ctrl = new AbortController();
    api
      .aggregate('campaign_member', { filter: { field: 'campaign', op: 'eq', value: campaignId }, group_by: [{ field: 'status' }], aggregates: [{ op: 'count' }] }, ctrl.signal)
      .then((answer) => {
        const found: Record<string, number> = {};
        for (const g of answer.groups) found[String(g.key.status ?? '')] = Number(g.values.count ?? 0);
        setCounts(found);
        setFailed(false);
      })
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) setFailed(Boolean(e));
      });
    return () => ctrl.abort();
  }, [campaignId, member, refreshKey]);
  if (!member) return null;
  const status = member.fields.find((f) => f.name === 'status');
  const stages = funnelStages(counts ?? {});
  const total = stages[0]?.reached ?? 0;
  return (
    <div style={{ marginTop: 16 }} data-testid="campaign-funnel">
      <Typography.Text strong>{t('campaign.funnel.title')}</Typography.Text>
      {failed && <Alert type="warning" showIcon message={t('campaign.funnel.failed')} style={{ marginTop: 8 }} />}
      {counts !== null && total === 0 && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
          {t('campaign.funnel.empty')}
        </Typography.Paragraph>
      )}
      {counts !== null &&
        total > 0 &&
        stages.map((s) => (
          <Row key={s.status} gutter={12} align="middle" style={{ marginTop: 6 }} data-testid={`funnel-${s.status}`}>
            <Col flex="96px">{status ? optionLabel(status, s.status, lang) : s.status}</Col>
            <Col flex="auto">
              <Progress percent={Math.round((s.reached / total) * 100)} showInfo={false} size="small" />
            </Col>
            <Col flex="200px">
              <Typography.Text>{t('campaign.funnel.reached', { count: s.reached })}</Typography.Text>
              <Typography.Text type="secondary"> · {t('campaign.funnel.atStatus', { count: s.count })}</Typography.Text>
            </Col>
          </Row>
        ))}
    </div>
  );
}
