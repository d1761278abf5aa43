import { Alert, Card, Result, Segmented, Spin, Typography } from 'antd';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useLocation, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import type { Lang } from '../../api/types';
import { translate, type MessageKey, type TParams } from '../../i18n';
import '../../i18n/marketing-forms';
import { formApi, safeRedirect, utmFrom, type FormSubmission, type PublicForm } from './formApi';
import WebFormView from './WebFormView';

/** The server's field errors of a 422, by field. */
function fieldErrors(e: unknown): Record<string, string> {
  if (!(e instanceof ApiError) || e.status !== 422) return {};
  const errors = (e.problem as { errors?: Array<{ field?: string; message?: string; code?: string }> }).errors ?? [];
  return Object.fromEntries(errors.map((x) => [String(x.field ?? ''), String(x.message ?? x.code ?? '')]));
}

/** `?lang=en` or `?lang=zh-CN` picks the language; otherwise the form's default. */
function langParam(search: string): Lang | null {
  const value = new URLSearchParams(search).get('lang');
  return value === 'en' || value === 'zh-CN' ? value : null;
}

/**
 * The hosted web form (/f/:key, no sign-in, outside the workspace shell; also what the embed
 * snippet's iframe shows). Renders the form's definition in its language (with a switch),
 * passes the page's UTM parameters on, and after sending shows the thank-you message or goes
 * to the form's redirect address (http/https only). `?embed=1` drops the page's background.
 */
export default function PublicFormPage() {
  const { key = '' } = useParams();
  const location = useLocation();
  const [form, setForm] = useState<PublicForm | null>(null);
  const [lang, setLang] = useState<Lang | null>(langParam(location.search));
  const [missing, setMissing] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [thanks, setThanks] = useState<string | null>(null);
  const shown: Lang = lang ?? form?.language ?? (navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en');
  const t = useCallback((k: MessageKey, params?: TParams) => translate(shown, k, params), [shown]);
  const embedded = new URLSearchParams(location.search).get('embed') === '1';

  useEffect(() => {
    document.title = form?.name ?? t('webform.page.title');
    document.documentElement.lang = shown;
  }, [t, shown, form]);

  useEffect(() => {
    const ctrl = new AbortController();
    formApi
      .get(key, ctrl.signal)
      .then((found) => {
        if (!ctrl.signal.aborted) setForm(found);
      })
      .catch((e: unknown) => {
        if (ctrl.signal.aborted) return;
        if (e instanceof ApiError && e.status === 404) setMissing(true);
        else setFailure(e instanceof ApiError && e.status === 429 ? t('webform.rateLimited') : t('webform.failed'));
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- load once per key
  }, [key]);

  const send = async (body: FormSubmission) => {
    setFailure(null);
    setServerErrors({});
    try {
      const answer = await formApi.submit(key, { ...utmFrom(location.search), ...body });
      const target = safeRedirect(answer.redirect);
      if (target) {
        (embedded && window.top ? window.top : window).location.assign(target);
        return;
      }
      setThanks(answer.message ?? '');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else if (e instanceof ApiError && e.status === 429) setFailure(t('webform.rateLimited'));
      else if (e instanceof ApiError && e.status === 422) setServerErrors(fieldErrors(e));
      else setFailure(t('webform.failed'));
    }
  };

  let body: ReactNode;
  if (missing)
    body = (
      <div data-testid="webform-missing">
        <Result status="warning" title={t('webform.notFound')} />
      </div>
    );
  else if (thanks !== null)
    body = (
      <div data-testid="webform-thanks">
        <Result status="success" title={t('webform.thanks')} subTitle={thanks || undefined} />
      </div>
    );
  else if (!form) body = failure ? <Alert type="error" showIcon message={failure} /> : <Spin style={{ display: 'block', margin: '48px auto' }} />;
  else body = <WebFormView form={form} lang={shown} onSubmit={send} serverErrors={serverErrors} failure={failure} />;

  return (
    <main style={{ minHeight: embedded ? undefined : '100vh', background: embedded ? 'transparent' : '#f5f7fa', padding: '16px 12px' }}>
      <div style={{ maxWidth: 560, margin: '0 auto' }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 12 }}>
          <Typography.Text strong>{form?.company ?? ''}</Typography.Text>
          <Segmented<Lang>
            size="small"
            aria-label={t('webform.language')}
            value={shown}
            onChange={(v) => setLang(v)}
            options={[
              { value: 'zh-CN', label: '中文' },
              { value: 'en', label: 'English' },
            ]}
            data-testid="webform-lang"
          />
        </div>
        <Card styles={{ body: { padding: 20 } }}>{body}</Card>
      </div>
    </main>
  );
}
