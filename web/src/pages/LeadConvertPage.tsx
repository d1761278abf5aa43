/**
 * Lead conversion (/o/lead/:id/convert): the rep sees the accounts and contacts that may be the
 * same company or person (with why), picks one or creates new ones prefilled from the lead,
 * optionally an opportunity, and converts in one request. A 409 `duplicates_found` shows the
 * candidates the server found and lets the rep pick one or create new ones anyway.
 */
import '../i18n/l2c';
import { RightOutlined, SwapOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Checkbox, Col, DatePicker, Input, Radio, Row, Skeleton, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import { l2cApi, type ConversionCandidate, type ConversionMatches } from '../api/l2c';
import type { RecordData } from '../api/types';
import { ConvertedLeadLinks, isConverted } from '../components/l2c/ConvertedLead';
import { ErrorResult, errorMessage } from '../components/Status';
import { LookupSelect, type LookupValue } from '../fields/LookupSelect';
import { useI18n, type MessageKey } from '../i18n';
import { candidatesOf, conversionBody, initialConversion, type ConversionChoice, type ConversionState } from '../lib/conversion';
import { isDecimal } from '../lib/decimal';
import { useMetadata } from '../state/metadata';
import '../components/l2c/l2c.css';

function Reasons({ reasons }: { reasons: string[] }) {
  const { t } = useI18n();
  return (
    <>
      {reasons.map((r) => (
        <Tag key={r} color="orange">
          {t(`convert.reason.${r}` as MessageKey)}
        </Tag>
      ))}
    </>
  );
}

/**
 * One target (account or contact): the candidates found (with why they match), any other
 * existing record, or a new one named from the lead — a single choice.
 */
function ChoiceCard({
  kind,
  candidates,
  choice,
  onChange,
}: {
  kind: 'account' | 'contact';
  candidates: ConversionCandidate[];
  choice: ConversionChoice;
  onChange: (c: ConversionChoice) => void;
}) {
  const { t } = useI18n();
  const [other, setOther] = useState<LookupValue | null>(null);
  const isCandidate = choice.mode === 'existing' && candidates.some((c) => c.id === choice.id);
  const value = choice.mode === 'new' ? 'new' : isCandidate ? choice.id : 'other';
  const select = (v: string) => {
    if (v === 'new') onChange({ ...choice, mode: 'new' });
    else if (v === 'other') onChange({ ...choice, mode: 'existing', id: other?.value ?? null });
    else onChange({ ...choice, mode: 'existing', id: v });
  };
  return (
    <Card title={t(kind === 'account' ? 'convert.account' : 'convert.contact')} size="small" data-testid={`convert-${kind}`}>
      <Radio.Group value={value} onChange={(e) => select(e.target.value as string)} className="ky-fullwidth">
        <Space direction="vertical" className="ky-fullwidth">
          {candidates.map((c) => (
            <Radio key={c.id} value={c.id}>
              <span data-testid={`convert-candidate-${c.id}`}>
                <Link to={`/o/${kind}/${encodeURIComponent(c.id)}`} target="_blank">
                  {c.name || c.id}
                </Link>{' '}
                <Reasons reasons={c.reasons} />
              </span>
            </Radio>
          ))}
          <Radio value="other">
            <span data-testid={`convert-${kind}-existing`}>{t('convert.useExisting')}</span>
          </Radio>
          {value === 'other' && (
            <div className="ky-convert-choices">
              <LookupSelect
                target={kind}
                value={other}
                allowClear
                placeholder={t(kind === 'account' ? 'convert.pickAccount' : 'convert.pickContact')}
                onChange={(v) => {
                  setOther(v);
                  onChange({ ...choice, mode: 'existing', id: v?.value ?? null });
                }}
              />
            </div>
          )}
          <Radio value="new">
            <span data-testid={`convert-${kind}-new`}>{t('convert.createNew')}</span>
          </Radio>
          {choice.mode === 'new' && (
            <div className="ky-convert-choices">
              <Input
                value={choice.name}
                onChange={(e) => onChange({ ...choice, name: e.target.value })}
                placeholder={t(kind === 'account' ? 'convert.newAccountName' : 'convert.newContactName')}
                aria-label={t(kind === 'account' ? 'convert.newAccountName' : 'convert.newContactName')}
                data-testid={`convert-${kind}-name`}
                status={choice.name.trim() ? undefined : 'error'}
              />
            </div>
          )}
        </Space>
      </Radio.Group>
    </Card>
  );
}

export default function LeadConvertPage() {
  const { id = '' } = useParams();
  const { t, label } = useI18n();
  const { getObject } = useMetadata();
  const leadMeta = getObject('lead');
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [lead, setLead] = useState<RecordData | null>(null);
  const [matches, setMatches] = useState<ConversionMatches | null>(null);
  const [state, setState] = useState<ConversionState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [duplicates, setDuplicates] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    Promise.all([api.get('lead', id, ctrl.signal), l2cApi.conversionMatches(id, ctrl.signal).catch(() => ({ accounts: [], contacts: [] }))])
      .then(([l, m]) => {
        setLead(l);
        setMatches(m);
        // An opportunity needs a close date: a month from today until the rep says otherwise.
        setState(initialConversion(l, m, dayjs().add(30, 'day').format('YYYY-MM-DD')));
      })
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [id]);

  if (error) return <ErrorResult error={error} />;
  if (!lead || !state || !matches) return <Skeleton active paragraph={{ rows: 8 }} className="ky-page" />;
  const leadTitle = String(lead.name ?? '');

  const invalid =
    (state.account.mode === 'new' ? !state.account.name.trim() : !state.account.id) ||
    (state.contact.mode === 'new' ? !state.contact.name.trim() : !state.contact.id) ||
    (state.opportunity.create &&
      (!state.opportunity.name.trim() || !state.opportunity.close_date || (!!state.opportunity.amount.trim() && !isDecimal(state.opportunity.amount))));

  const submit = async (confirm = false) => {
    setBusy(true);
    setSubmitError(null);
    try {
      const res = await l2cApi.convert(id, conversionBody(lead, { ...state, confirm }, { account: getObject('account'), contact: getObject('contact') }));
      message.success(t('convert.done'));
      navigate(res.opportunity_id ? `/o/opportunity/${encodeURIComponent(res.opportunity_id)}` : `/o/account/${encodeURIComponent(res.account_id)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.code === 'duplicates_found') {
        // Show the candidates; the rep picks one, or confirms the new records as they are.
        const found = candidatesOf(e.problem);
        if (found) setMatches(found);
        setDuplicates(true);
      } else setSubmitError(errorMessage(e, t));
    } finally {
      setBusy(false);
    }
  };

  const noMatches = matches.accounts.length === 0 && matches.contacts.length === 0;
  return (
    <div className="ky-page ky-convert-page" data-testid="lead-convert">
      <div className="ky-crumbs">
        <Link to="/o/lead">{label(leadMeta?.plural_labels ?? leadMeta?.labels, 'lead')}</Link>
        <RightOutlined />
        <Link to={`/o/lead/${encodeURIComponent(id)}`}>{leadTitle}</Link>
      </div>
      <div className="ky-page-head">
        <div className="ky-page-title">
          <SwapOutlined />
          <h1>{t('convert.title')}</h1>
        </div>
      </div>
      {isConverted(lead) ? (
        <Alert type="success" showIcon message={t('convert.convertedHelp')} description={<ConvertedLeadLinks record={lead} />} data-testid="lead-converted" />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{t('convert.subtitle', { lead: leadTitle })}</Typography.Paragraph>
          {duplicates ? (
            <Alert
              type="warning"
              showIcon
              message={t('convert.duplicates')}
              action={
                <Button size="small" onClick={() => void submit(true)} loading={busy} data-testid="convert-confirm">
                  {t('convert.confirmCreate')}
                </Button>
              }
              style={{ marginBottom: 16 }}
              data-testid="convert-duplicates"
            />
          ) : noMatches ? (
            <Alert type="info" message={t('convert.noMatches')} style={{ marginBottom: 16 }} />
          ) : (
            <Alert type="warning" message={t('convert.matches')} style={{ marginBottom: 16 }} />
          )}
          <Row gutter={[16, 16]}>
            <Col xs={24} md={12}>
              <ChoiceCard kind="account" candidates={matches.accounts} choice={state.account} onChange={(account) => setState({ ...state, account })} />
            </Col>
            <Col xs={24} md={12}>
              <ChoiceCard kind="contact" candidates={matches.contacts} choice={state.contact} onChange={(contact) => setState({ ...state, contact })} />
            </Col>
            <Col xs={24}>
              <Card
                size="small"
                title={
                  <Checkbox
                    checked={state.opportunity.create}
                    onChange={(e) => setState({ ...state, opportunity: { ...state.opportunity, create: e.target.checked } })}
                    data-testid="convert-opportunity-toggle"
                  >
                    {t('convert.createOpportunity')}
                  </Checkbox>
                }
              >
                {state.opportunity.create && (
                  <Row gutter={[12, 12]}>
                    <Col xs={24} md={10}>
                      <label className="ky-readfield-label">{t('convert.opportunityName')}</label>
                      <Input
                        value={state.opportunity.name}
                        onChange={(e) => setState({ ...state, opportunity: { ...state.opportunity, name: e.target.value } })}
                        data-testid="convert-opportunity-name"
                        status={state.opportunity.name.trim() ? undefined : 'error'}
                      />
                    </Col>
                    <Col xs={12} md={7}>
                      <label className="ky-readfield-label">{t('convert.amount')}</label>
                      <Input
                        inputMode="decimal"
                        value={state.opportunity.amount}
                        onChange={(e) => setState({ ...state, opportunity: { ...state.opportunity, amount: e.target.value } })}
                        data-testid="convert-opportunity-amount"
                        status={!state.opportunity.amount.trim() || isDecimal(state.opportunity.amount) ? undefined : 'error'}
                      />
                    </Col>
                    <Col xs={12} md={7}>
                      <label className="ky-readfield-label">{t('convert.closeDate')}</label>
                      <DatePicker
                        className="ky-fullwidth"
                        format="YYYY-MM-DD"
                        value={state.opportunity.close_date ? dayjs(state.opportunity.close_date) : null}
                        status={state.opportunity.close_date ? undefined : 'error'}
                        data-testid="convert-opportunity-close"
                        onChange={(d) => setState({ ...state, opportunity: { ...state.opportunity, close_date: d ? d.format('YYYY-MM-DD') : null } })}
                      />
                    </Col>
                  </Row>
                )}
              </Card>
            </Col>
          </Row>
          {submitError && <Alert type="error" message={submitError} style={{ marginTop: 16 }} data-testid="convert-error" />}
          <Space style={{ marginTop: 16 }}>
            <Button type="primary" onClick={() => void submit(false)} loading={busy} disabled={invalid} data-testid="convert-submit">
              {t('convert.submit')}
            </Button>
            <Button onClick={() => navigate(`/o/lead/${encodeURIComponent(id)}`)}>{t('common.cancel')}</Button>
          </Space>
        </>
      )}
    </div>
  );
}
