import '../i18n/l2c';
import { AuditOutlined, DeleteOutlined, EditOutlined, LinkOutlined, MoreOutlined, RightOutlined, SwapOutlined } from '@ant-design/icons';
import { App, Badge, Button, Col, Dropdown, Grid, Row, Skeleton, Space, Tabs, Tag } from 'antd';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { Approval, FilterNode, ObjectMeta, RecordData } from '../api/types';
import { SubmitApprovalModal } from '../components/approvals/SubmitApprovalModal';
import { HistoryList } from '../components/HistoryList';
import { ObjectIcon } from '../components/ObjectIcon';
import { RecordDetails, SystemInfo } from '../components/RecordDetails';
import { RelatedList } from '../components/RelatedList';
import { DealChain } from '../components/l2c/DealChain';
import { ConvertedLeadBanner, isConverted } from '../components/l2c/ConvertedLead';
import { LineItemsEditor, lineRelation } from '../components/l2c/LineItemsEditor';
import { RecordActions, useRecordActions } from '../components/l2c/RecordActions';
import '../components/records.css';
import { PersonalDataActions } from '../components/privacy/PersonalDataActions';
import { AccessExplainButton } from '../components/setup/AccessExplainButton';
import { ErrorResult, errorMessage, FullPageSpinner } from '../components/Status';
import { Timeline } from '../components/Timeline';
import { FieldDisplay } from '../fields/registry';
import { useI18n } from '../i18n';
import { pendingApproval } from '../lib/approvals';
import { highlightFields, recordTitle, type Relation } from '../lib/fields';
import { can, orderRelations } from '../lib/layout';
import { pushRecent, removeRecent } from '../lib/recent';
import { activityLink, timelineFilter } from '../lib/timeline';
import { useMetadata } from '../state/metadata';
import { useSession } from '../state/session';
import NotFoundPage from './NotFoundPage';

/** A case's suggested knowledge articles (service package): loaded on a case's page only. */
const SuggestedArticles = lazy(() => import('../service/knowledge/SuggestedArticles'));
/** A segment's conditions or member list (marketing package): loaded on a segment's page only. */
const SegmentPanel = lazy(() => import('../marketing/SegmentPanel'));
/** The Approvals tab's steps and trail: loaded when a record has approvals, not with the page. */
const RecordApprovals = lazy(() => import('../components/approvals/RecordApprovals').then((m) => ({ default: m.RecordApprovals })));
const CaseThread = lazy(() => import('../service/console/CaseThread'));
/** A signed work order's customer signature (service package): loaded on a work order's page only. */
const WorkOrderSignature = lazy(() => import('../service/care/WorkOrderSignature'));
/** A campaign's results and member funnel (marketing package): loaded on a campaign's page only. */
const CampaignSummary = lazy(() => import('../marketing/campaigns/CampaignSummary'));
/** A web form's builder, preview and embed snippets (marketing package): on a web form's page only. */
const WebFormBuilder = lazy(() => import('../marketing/forms/WebFormBuilder'));
/** A marketing expense's receipts (marketing package): loaded on an expense's page only. */
const ExpenseReceipts = lazy(() => import('../marketing/expenses/ExpenseReceipts'));
/** The email template editor and an email campaign's sending panel (marketing package). */
const EmailTemplateEditor = lazy(() => import('../marketing/email/EmailTemplateEditor'));
const EmailCampaignPanel = lazy(() => import('../marketing/email/EmailCampaignPanel'));

export default function RecordPage() {
  const { object: objectName = '', id = '' } = useParams();
  const { getObject, loading } = useMetadata();
  const obj = getObject(objectName);
  if (!obj) return loading ? <FullPageSpinner /> : <NotFoundPage />;
  return <RecordView key={`${obj.name}:${id}`} object={obj} id={id} />;
}

function relationLabel(rel: Relation, all: Relation[], label: (l: ObjectMeta['labels'], f?: string) => string, t: ReturnType<typeof useI18n>['t']) {
  const base = label(rel.object.plural_labels ?? rel.object.labels, rel.object.name);
  const dup = all.filter((r) => r.object.name === rel.object.name).length > 1 || rel.object.name === rel.field.target;
  return dup ? `${base} (${t('related.via', { field: label(rel.field.labels, rel.field.name) })})` : base;
}

/** Key of the activity tab's count among the related counts. */
const TIMELINE_COUNT = 'timeline';

function useRelatedCounts(relations: Relation[], id: string, tick: number, timeline: FilterNode | null) {
  const [counts, setCounts] = useState<Record<string, number>>({});
  useEffect(() => {
    const ctrl = new AbortController();
    const wanted: [string, string, FilterNode][] = relations.map((rel) => [
      `${rel.object.name}.${rel.field.name}`,
      rel.object.name,
      { field: rel.field.name, op: 'eq', value: id },
    ]);
    if (timeline) wanted.push([TIMELINE_COUNT, 'activity', timeline]);
    for (const [key, object, filter] of wanted) {
      api
        .aggregate(object, { filter, aggregates: [{ op: 'count' }] }, ctrl.signal)
        .then((res) => {
          const c = res.groups?.[0]?.values?.count;
          if (typeof c === 'number') setCounts((prev) => ({ ...prev, [key]: c }));
        })
        .catch(() => undefined);
    }
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [relations.map((r) => `${r.object.name}.${r.field.name}`).join(','), id, tick, JSON.stringify(timeline)]);
  return counts;
}

/**
 * The record's approvals (the Approvals tab, the "waiting for approval" tag): asked for with the
 * record, and again after this page submits or acts on one.
 */
function useRecordApprovals(object: string, id: string) {
  const [approvals, setApprovals] = useState<Approval[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    api
      .recordApprovals(object, id, ctrl.signal)
      .then((r) => setApprovals(r.approvals))
      .catch(() => undefined); // no trail shown; the record itself still loads
    return () => ctrl.abort();
  }, [object, id, tick]);
  return { approvals, reload: () => setTick((x) => x + 1) };
}

function TabCount({ count }: { count: number | undefined }) {
  return count !== undefined ? <Badge count={count} showZero color="#eef1f7" className="ky-tabcount" overflowCount={999} /> : null;
}

function RecordView({ object, id }: { object: ObjectMeta; id: string }) {
  const { t, label } = useI18n();
  const { session } = useSession();
  const { relationsOf, getObject } = useMetadata();
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const wide = !!screens.lg;
  const [record, setRecord] = useState<RecordData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [tab, setTab] = useState('details');
  // Bumped when a record related to this one is created here: counts and related lists reload;
  // timelineTick also reloads the timeline (an activity created from a related list).
  const [relTick, setRelTick] = useState(0);
  const [timelineTick, setTimelineTick] = useState(0);
  const [submitting, setSubmitting] = useState(false);
  const { approvals, reload: reloadApprovals } = useRecordApprovals(object.name, id);
  // Package actions (submit a quote, create a contract…), asked for again when the record changes.
  const actions = useRecordActions(object.name, id, record?.version);
  // A package's own submit (quotes, contracts) replaces the generic "submit for approval".
  const packageSubmit = actions.some((a) => a.name === 'submit' && a.menu !== false);
  const tenant = session?.tenant.name ?? '';

  const load = useCallback(() => {
    const ctrl = new AbortController();
    setError(null);
    api
      .get(object.name, id, ctrl.signal)
      .then(setRecord)
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [object.name, id]);
  useEffect(() => load(), [load]);

  const title = record ? recordTitle(object, record) || t('record.untitled') : '';
  const objectLabel = label(object.labels, object.name);
  useEffect(() => {
    if (!record) return;
    document.title = `${title} · ${objectLabel}`;
    pushRecent(tenant, { object: object.name, id, title });
  }, [record, title, objectLabel, tenant, object.name, id]);

  const relations = orderRelations(object, relationsOf(object.name));
  // Quote, order and opportunity lines get the line-item editor instead of a plain related list.
  const lines = lineRelation(object.name, relations);
  const hasActivities = object.features?.activities !== false && object.name !== 'activity';
  const activityMeta = getObject('activity');
  // The timeline's count: the related list's when it is the same query (an account's activities
  // by their account lookup), else one more count.
  const link = activityLink(activityMeta, object.name);
  const sameAsRelated = link && relations.some((r) => r.object.name === activityMeta?.name && r.field.name === link) ? `${activityMeta?.name}.${link}` : null;
  const counts = useRelatedCounts(relations, id, relTick, hasActivities && activityMeta && !sameAsRelated ? timelineFilter(activityMeta, object.name, id) : null);
  const timelineCount = counts[sameAsRelated ?? TIMELINE_COUNT];
  const onLogged = () => setRelTick((x) => x + 1);
  const onRelatedChanged = (child: string) => {
    setRelTick((x) => x + 1);
    if (child === 'activity') setTimelineTick((x) => x + 1);
    if (!editing) load(); // roll-ups on this record (an opportunity count, a pipeline sum)
  };
  const timeline = <Timeline object={object} recordId={id} record={record} refreshKey={timelineTick} onLogged={onLogged} />;

  if (error) return <ErrorResult error={error} onRetry={load} />;
  if (!record) return <Skeleton active avatar paragraph={{ rows: 10 }} className="ky-page" />;

  const remove = () => {
    modal.confirm({
      title: t('common.confirmDelete', { object: objectLabel }),
      content: t('common.confirmDeleteHelp'),
      okText: t('common.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await api.remove(object.name, id);
          removeRecent(tenant, object.name, id);
          message.success({
            content: (
              <span>
                {t('common.deleted', { object: objectLabel })}{' '}
                <Button
                  type="link"
                  size="small"
                  onClick={async () => {
                    await api.restore(object.name, id);
                    message.success(t('common.restored'));
                    navigate(`/o/${object.name}/${encodeURIComponent(id)}`);
                  }}
                >
                  {t('common.undo')}
                </Button>
              </span>
            ),
            duration: 6,
          });
          navigate(`/o/${object.name}`);
        } catch (e) {
          message.error(errorMessage(e, t));
        }
      },
    });
  };

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      message.success(t('record.linkCopied'));
    } catch {
      /* clipboard not available */
    }
  };

  /** After a submit or a decision: the trail again, and the record (an outcome may set fields). */
  const onApprovalChanged = () => {
    reloadApprovals();
    if (!editing) load();
  };
  const waiting = pendingApproval(approvals);

  const highlights = highlightFields(object, wide ? 4 : 3).filter((f) => f.name !== object.name_field);

  const details = (
    <div className="ky-section">
      {object.name === 'lead' && <ConvertedLeadBanner record={record} />}
      <DealChain object={object.name} record={record} refreshKey={relTick} />
      {object.name === 'campaign' && !editing && (
        <Suspense fallback={null}>
          <CampaignSummary object={object} record={record} refreshKey={relTick} />
        </Suspense>
      )}
      <RecordDetails object={object} record={record} onSaved={setRecord} editing={editing} setEditing={setEditing} canEdit={can(object, 'edit')} />
      {!editing && <SystemInfo object={object} record={record} />}
      {object.name === 'case' && !editing && (
        <Suspense fallback={null}>
          <SuggestedArticles caseId={record.id} />
        </Suspense>
      )}
      {object.name === 'web_form' && !editing && (
        <Suspense fallback={null}>
          <WebFormBuilder key={String(record.version)} record={record} onSaved={setRecord} canEdit={can(object, 'edit')} />
        </Suspense>
      )}
      {object.name === 'marketing_expense' && !editing && (
        <Suspense fallback={null}>
          <ExpenseReceipts record={record} canEdit={can(object, 'edit')} />
        </Suspense>
      )}
      {object.name === 'work_order' && !editing && record.signed_at ? (
        <Suspense fallback={null}>
          <WorkOrderSignature record={record} />
        </Suspense>
      ) : null}
    </div>
  );

  const tabs = [
    { key: 'details', label: t('record.details'), children: details },
    ...(!wide && hasActivities
      ? [
          {
            key: 'activity',
            label: (
              <span>
                {t('record.activity')} <TabCount count={timelineCount} />
              </span>
            ),
            children: timeline,
          },
        ]
      : []),
    ...(lines
      ? [
          {
            key: 'lines',
            label: (
              <span data-testid="record-lines-tab">
                {t('lines.title')} <TabCount count={counts[`${lines.object.name}.${lines.field.name}`]} />
              </span>
            ),
            children: <LineItemsEditor parent={object} record={record} relation={lines} onSaved={() => onRelatedChanged(lines.object.name)} />,
          },
        ]
      : []),
    // A case's conversation (the service package): its thread, reply box and status buttons.
    ...(object.name === 'case'
      ? [
          {
            key: 'thread',
            label: <span data-testid="record-thread-tab">{t('record.conversation')}</span>,
            children: (
              <Suspense fallback={<Skeleton active paragraph={{ rows: 4 }} />}>
                <CaseThread record={{ id, status: String(record.status ?? '') }} onChanged={() => load()} />
              </Suspense>
            ),
          },
        ]
      : []),
    // A segment's condition builder or static member list (the marketing package).
    ...(object.name === 'segment'
      ? [
          {
            key: 'segment',
            // Labels from the metadata: the panel's own strings load with it.
            label: (
              <span data-testid="record-segment-tab">
                {record.type === 'static'
                  ? label(getObject('segment_member')?.plural_labels, t('record.details'))
                  : label(object.fields.find((f) => f.name === 'filter')?.labels, 'filter')}
              </span>
            ),
            children: (
              <Suspense fallback={<Skeleton active paragraph={{ rows: 4 }} />}>
                <SegmentPanel record={record} onSaved={setRecord} />
              </Suspense>
            ),
          },
        ]
      : []),
    // An email template's editor and an email campaign's sending (the marketing package).
    ...(object.name === 'email_template' || object.name === 'email_campaign'
      ? [
          {
            key: 'email',
            label: <span data-testid="record-email-tab">{t(object.name === 'email_template' ? 'record.emailEditor' : 'record.emailSending')}</span>,
            children: (
              <Suspense fallback={<Skeleton active paragraph={{ rows: 4 }} />}>
                {object.name === 'email_template' ? (
                  <EmailTemplateEditor key={String(record.version)} record={record} onSaved={() => load()} />
                ) : (
                  <EmailCampaignPanel record={record} onChanged={() => load()} />
                )}
              </Suspense>
            ),
          },
        ]
      : []),
    // A record's approvals before its related lists: with many relations the tab bar
    // overflows, and what waits on someone must not hide behind the ⋯ menu.
    ...(approvals.length > 0
      ? [
          {
            key: 'approvals',
            label: (
              <span data-testid="record-approvals-tab">
                {t('approvals.title')} <TabCount count={approvals.length} />
              </span>
            ),
            children: (
              <Suspense fallback={<Skeleton active paragraph={{ rows: 4 }} />}>
                <RecordApprovals approvals={approvals} onChanged={onApprovalChanged} />
              </Suspense>
            ),
          },
        ]
      : []),
    ...relations.filter((rel) => rel !== lines).map((rel) => {
      const key = `${rel.object.name}.${rel.field.name}`;
      return {
        key: `rel:${key}`,
        label: (
          <span>
            {relationLabel(rel, relations, label, t)} <TabCount count={counts[key]} />
          </span>
        ),
        children: <RelatedList relation={rel} parentId={id} parentTitle={title} refreshKey={relTick} onChanged={() => onRelatedChanged(rel.object.name)} />,
      };
    }),
    { key: 'history', label: t('record.history'), children: <HistoryList object={object} recordId={id} version={record.version} /> },
  ];

  return (
    <div className="ky-page ky-record-page">
      <div className="ky-record-head">
        <div className="ky-crumbs">
          <Link to={`/o/${object.name}`}>{label(object.plural_labels ?? object.labels, object.name)}</Link>
          <RightOutlined />
          <span className="ky-crumb-current">{title}</span>
        </div>
        <div className="ky-record-titlebar">
          <div className="ky-page-title">
            <ObjectIcon name={object.name} icon={object.icon} size={44} />
            <div className="ky-record-titletext">
              <div className="ky-page-sub">{objectLabel}</div>
              <h1 data-testid="record-title">{title}</h1>
            </div>
          </div>
          <Space wrap>
            {!editing && can(object, 'edit') && (
              <Button
                type="primary"
                icon={<EditOutlined />}
                onClick={() => {
                  setTab('details');
                  setEditing(true);
                }}
                data-testid="record-edit"
              >
                {t('common.edit')}
              </Button>
            )}
            {waiting && (
              <Tag color="processing" style={{ cursor: 'pointer' }} onClick={() => setTab('approvals')} data-testid="record-in-approval">
                {t('approvals.inApproval')}
              </Tag>
            )}
            {!editing && object.name === 'lead' && !isConverted(record) && can(object, 'edit') && (
              <Button type="primary" icon={<SwapOutlined />} onClick={() => navigate(`/o/lead/${encodeURIComponent(id)}/convert`)} data-testid="lead-convert">
                {t('convert.action')}
              </Button>
            )}
            {!editing && (
              <RecordActions
                hidden={object.name === 'lead' ? ['convert'] : undefined}
                object={object.name}
                id={id}
                actions={actions}
                isObject={(name) => !!getObject(name)}
                onDone={(_answer, created) => {
                  onApprovalChanged();
                  setRelTick((x) => x + 1);
                  if (created && !(created.object === object.name && created.id === id)) navigate(`/o/${created.object}/${encodeURIComponent(created.id)}`);
                }}
              />
            )}
            {!editing && !waiting && !packageSubmit && can(object, 'edit') && (
              <Button icon={<AuditOutlined />} onClick={() => setSubmitting(true)} data-testid="record-submit-approval">
                {t('approvals.submit')}
              </Button>
            )}
            <AccessExplainButton object={object} id={id} />
            {!editing && record && (
              <PersonalDataActions
                object={object.name}
                id={id}
                name={title}
                onErased={() => {
                  load();
                  setTimelineTick((x) => x + 1);
                }}
              />
            )}
            <Dropdown
              trigger={['click']}
              menu={{
                items: [
                  { key: 'link', icon: <LinkOutlined />, label: t('record.copyLink') },
                  ...(can(object, 'delete')
                    ? [{ type: 'divider' as const }, { key: 'delete', icon: <DeleteOutlined />, label: t('common.delete'), danger: true }]
                    : []),
                ],
                onClick: ({ key }) => (key === 'delete' ? remove() : void copyLink()),
              }}
            >
              <Button icon={<MoreOutlined />} aria-label={t('common.more')} data-testid="record-more" />
            </Dropdown>
          </Space>
        </div>
        {highlights.length > 0 && (
          <div className="ky-highlights">
            {highlights.map((f) => (
              <div key={f.name} className="ky-highlight">
                <div className="ky-readfield-label">{label(f.labels, f.name)}</div>
                <div className="ky-highlight-value">
                  <FieldDisplay field={f} record={record} compact />
                </div>
              </div>
            ))}
          </div>
        )}
      </div>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={hasActivities ? 16 : 24}>
          <div className="ky-panel">
            <Tabs activeKey={tab} onChange={setTab} items={tabs} className="ky-record-tabs" />
          </div>
        </Col>
        {wide && hasActivities && (
          <Col lg={8}>
            <div className="ky-panel ky-side">
              <div className="ky-panel-title">
                {t('timeline.title')} <TabCount count={timelineCount} />
              </div>
              {timeline}
            </div>
          </Col>
        )}
      </Row>
      <SubmitApprovalModal
        object={object.name}
        recordId={id}
        open={submitting}
        onClose={() => setSubmitting(false)}
        onSubmitted={() => {
          setSubmitting(false);
          onApprovalChanged();
          setTab('approvals');
        }}
      />
    </div>
  );
}
