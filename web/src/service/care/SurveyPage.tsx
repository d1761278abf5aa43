import { FrownOutlined, MehOutlined, SmileOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Input, Result, Segmented, Spin, Typography } from 'antd';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import type { Lang } from '../../api/types';
import { translate, type MessageKey, type TParams } from '../../i18n';
import '../../i18n/service-care';
import { surveyApi, type SurveyInfo } from './surveyApi';

type Closed = 'invalid' | 'expired' | 'answered' | 'superseded';

/** The server's code → which closed-link page to show (anything else: the link is not valid). */
function closedKind(e: unknown): Closed | null {
  if (!(e instanceof ApiError)) return null;
  const code = String((e.problem as { code?: unknown }).code ?? '');
  if (code === 'survey_expired') return 'expired';
  if (code === 'survey_answered') return 'answered';
  if (code === 'survey_superseded') return 'superseded';
  if (e.status === 404 || code === 'survey_invalid') return 'invalid';
  return null;
}

const FACES: Record<number, ReactNode> = {
  1: <FrownOutlined />,
  2: <FrownOutlined />,
  3: <MehOutlined />,
  4: <SmileOutlined />,
  5: <SmileOutlined />,
};

/**
 * The public satisfaction survey (/survey/:token, no sign-in, outside the workspace shell):
 * five faces for CSAT, 0–10 for NPS, a comment, then a thank-you. The language is the
 * survey's (chosen when it was sent) with a switch; a link altered, expired, superseded or
 * already answered shows a page saying which, and nothing can be sent from it.
 */
export default function SurveyPage() {
  const { token = '' } = useParams();
  const [lang, setLang] = useState<Lang | null>(null);
  const [info, setInfo] = useState<SurveyInfo | null>(null);
  const [closed, setClosed] = useState<Closed | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [csat, setCsat] = useState<number | null>(null);
  const [nps, setNps] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [missing, setMissing] = useState(false);
  const [sending, setSending] = useState(false);
  const [done, setDone] = useState(false);
  const shown: Lang = lang ?? info?.language ?? (navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en');
  const t = useCallback((key: MessageKey, params?: TParams) => translate(shown, key, params), [shown]);

  const problemText = useCallback(
    (e: unknown) => (e instanceof ApiError && e.status === 429 ? t('care.survey.rateLimited') : t('care.survey.failed')),
    [t],
  );

  useEffect(() => {
    document.title = t('care.survey.pageTitle');
    document.documentElement.lang = shown;
  }, [t, shown]);

  useEffect(() => {
    const ctrl = new AbortController();
    surveyApi
      .get(token, ctrl.signal)
      .then((found) => {
        if (!ctrl.signal.aborted) setInfo(found);
      })
      .catch((e: unknown) => {
        if (ctrl.signal.aborted) return;
        const kind = closedKind(e);
        if (kind) setClosed(kind);
        else setFailure(problemText(e));
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- load once per token
  }, [token]);

  const submit = async () => {
    if (csat === null) {
      setMissing(true);
      return;
    }
    setSending(true);
    setFailure(null);
    try {
      await surveyApi.answer(token, { csat, nps, comment: comment.trim() || null });
      setDone(true);
    } catch (e) {
      const kind = closedKind(e);
      if (kind) setClosed(kind);
      else setFailure(problemText(e));
    } finally {
      setSending(false);
    }
  };

  const switcher = (
    <Segmented<Lang>
      size="small"
      aria-label={t('care.survey.language')}
      value={shown}
      onChange={(v) => setLang(v)}
      options={[
        { value: 'zh-CN', label: '中文' },
        { value: 'en', label: 'English' },
      ]}
      data-testid="survey-lang"
    />
  );

  let body: ReactNode;
  if (done) {
    body = <Result status="success" title={t('care.survey.thanks')} subTitle={t('care.survey.thanksDetail')} data-testid="survey-thanks" />;
  } else if (closed) {
    const title = t(`care.survey.${closed}` as MessageKey);
    const detail = closed === 'expired' ? undefined : t(`care.survey.${closed}Detail` as MessageKey);
    body = <Result status={closed === 'answered' ? 'info' : 'warning'} title={title} subTitle={detail} data-testid="survey-closed" />;
  } else if (!info) {
    body = failure ? <Alert type="error" showIcon message={failure} /> : <Spin style={{ display: 'block', margin: '48px auto' }} />;
  } else {
    body = (
      <div data-testid="survey-form">
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('care.survey.heading')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          {t('care.survey.intro', { company: info.company, caseNo: info.case_no ?? '', subject: info.subject })}
        </Typography.Paragraph>
        <fieldset style={{ border: 0, padding: 0, margin: '24px 0' }}>
          <legend style={{ fontWeight: 600, marginBottom: 12 }}>{t('care.survey.csat')}</legend>
          <div style={{ display: 'flex', gap: 8, justifyContent: 'space-between' }}>
            {[1, 2, 3, 4, 5].map((score) => (
              <Button
                key={score}
                aria-label={`${score} – ${t(`care.survey.csat.${score}` as MessageKey)}`}
                aria-pressed={csat === score}
                type={csat === score ? 'primary' : 'default'}
                onClick={() => {
                  setCsat(score);
                  setMissing(false);
                }}
                style={{ flex: 1, height: 64, fontSize: 28, padding: 0 }}
                data-testid={`survey-csat-${score}`}
              >
                {FACES[score]}
              </Button>
            ))}
          </div>
          <div aria-hidden style={{ display: 'flex', justifyContent: 'space-between', fontSize: 12, color: '#888', marginTop: 4 }}>
            <span>{t('care.survey.csat.1')}</span>
            <span>{t('care.survey.csat.5')}</span>
          </div>
          {missing && <Alert style={{ marginTop: 8 }} type="error" showIcon message={t('care.survey.needCsat')} />}
        </fieldset>
        <fieldset style={{ border: 0, padding: 0, margin: '24px 0' }}>
          <legend style={{ fontWeight: 600, marginBottom: 12 }}>{t('care.survey.nps', { company: info.company })}</legend>
          <div style={{ display: 'grid', gridTemplateColumns: 'repeat(11, 1fr)', gap: 4 }}>
            {Array.from({ length: 11 }, (_, score) => (
              <Button
                key={score}
                aria-pressed={nps === score}
                type={nps === score ? 'primary' : 'default'}
                onClick={() => setNps(score)}
                style={{ padding: 0, height: 44, minWidth: 0 }}
                data-testid={`survey-nps-${score}`}
              >
                {score}
              </Button>
            ))}
          </div>
          <div style={{ display: 'flex', justifyContent: 'space-between', fontSize: 12, color: '#888', marginTop: 4 }}>
            <span>{t('care.survey.nps.low')}</span>
            <span>{t('care.survey.nps.high')}</span>
          </div>
        </fieldset>
        <label style={{ display: 'block', fontWeight: 600, marginBottom: 8 }} htmlFor="survey-comment">
          {t('care.survey.comment')}
        </label>
        <Input.TextArea id="survey-comment" rows={4} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} data-testid="survey-comment" />
        {failure && <Alert style={{ marginTop: 12 }} type="error" showIcon message={failure} />}
        <Button type="primary" size="large" block style={{ marginTop: 16, height: 48 }} loading={sending} onClick={() => void submit()} data-testid="survey-submit">
          {t('care.survey.submit')}
        </Button>
      </div>
    );
  }

  return (
    <main style={{ minHeight: '100vh', background: '#f5f7fa', padding: '16px 12px' }}>
      <div style={{ maxWidth: 520, margin: '0 auto' }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 12 }}>
          <Typography.Text strong>{info?.company ?? ''}</Typography.Text>
          {switcher}
        </div>
        <Card styles={{ body: { padding: 20 } }}>{body}</Card>
      </div>
    </main>
  );
}
