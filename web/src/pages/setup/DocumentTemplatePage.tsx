import '../../i18n/setup';
import { DeleteOutlined, PictureOutlined, SaveOutlined, UploadOutlined } from '@ant-design/icons';
import { App, Button, Col, Divider, Form, Input, Popconfirm, Row, Skeleton, Space, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/client';
import { useModalSubmit, type FormErrors } from '../../components/setup/modalSubmit';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n, type MessageKey } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useFormatSettings } from '../../state/session';
import { setupApi, type DocumentTemplate } from './api';
import {
  FOOTER_LIMIT,
  LOGO_MAX_KB,
  LOGO_TYPES,
  logoProblem,
  logoUrl,
  sizeText,
  TEMPLATE_LANGS,
  templateErrorTarget,
  templatePayload,
  templateToForm,
  TERMS_LIMIT,
  TEXT_LIMITS,
  type CompanyField,
  type TemplateForm,
} from './documentTemplate';

const COMPANY_LABELS: Record<CompanyField, MessageKey> = {
  company_name: 'setup.docTemplate.companyName',
  address: 'setup.docTemplate.address',
  phone: 'setup.docTemplate.phone',
  tax_id: 'setup.docTemplate.taxId',
  bank_name: 'setup.docTemplate.bankName',
  bank_account: 'setup.docTemplate.bankAccount',
};
/** Two company fields a row; the address gets a row of its own. */
const COMPANY_ROWS: CompanyField[][] = [['company_name', 'phone'], ['address'], ['tax_id'], ['bank_name', 'bank_account']];

/**
 * The company's letterhead for quote and contract PDFs: company details, accent colour, the
 * footer and terms texts in Chinese and English side by side, and the logo. The form is saved
 * with Save (server field errors under their inputs); the logo is uploaded as soon as it is
 * picked and removed at once, since it has its own endpoint and is never part of the form.
 * Only administrators reach Setup; the server refuses changes from anyone else as well.
 */
export default function DocumentTemplatePage() {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const [form] = Form.useForm<TemplateForm>();
  const [template, setTemplate] = useState<DocumentTemplate | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [logoError, setLogoError] = useState<string | null>(null);
  const [logoBusy, setLogoBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const load = useCallback(() => {
    setError(null);
    setupApi
      .documentTemplate()
      .then(setTemplate)
      .catch(setError);
  }, []);
  useEffect(load, [load]);

  const { submit, saving, errors } = useModalSubmit(
    form,
    true,
    async (values) => {
      const saved = await setupApi.updateDocumentTemplate(templatePayload(values));
      setTemplate(saved);
      form.setFieldsValue(templateToForm(saved));
      message.success(t('setup.docTemplate.saved'));
    },
    (errs) => {
      const mapped: FormErrors = { fields: [], general: [] };
      for (const fe of errs) {
        const target = templateErrorTarget(fe.field);
        if (target && target !== 'logo') mapped.fields.push({ name: target, errors: [fe.message] });
        else mapped.general.push(fe.message);
      }
      return mapped;
    },
  );

  /** Upload or remove the logo; the server's objection shows under the logo. */
  const changeLogo = async (change: () => Promise<DocumentTemplate>, done: MessageKey) => {
    setLogoBusy(true);
    setLogoError(null);
    try {
      const saved = await change();
      setTemplate(saved);
      message.success(t(done));
    } catch (e) {
      const fieldErrors = e instanceof ApiError ? e.fieldErrors : [];
      setLogoError(fieldErrors.length ? fieldErrors.map((fe) => fe.message).join(' ') : errorMessage(e, t));
    } finally {
      setLogoBusy(false);
    }
  };

  const pick = (file: File) => {
    const problem = logoProblem(file);
    if (problem) setLogoError(problem === 'type' ? t('setup.docTemplate.logoWrongType') : t('setup.docTemplate.logoTooLarge', { kb: LOGO_MAX_KB }));
    else void changeLogo(() => setupApi.uploadDocumentLogo(file), 'setup.docTemplate.logoUploaded');
  };

  if (error) {
    return (
      <div className="ky-setup-panel" data-testid="doc-template-page">
        <ErrorResult error={error} onRetry={load} />
      </div>
    );
  }

  const logoSrc = template ? logoUrl(template) : null;
  return (
    <div className="ky-setup-panel" data-testid="doc-template-page">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.docTemplate.title')}</h2>
        <Space size={12}>
          {template?.updated_at && (
            <span className="ky-page-sub" data-testid="doc-template-saved-at">
              {t('setup.docTemplate.lastSaved', { when: formatDateTime(template.updated_at, fmt) })}
            </span>
          )}
          <Button type="primary" icon={<SaveOutlined />} loading={saving} disabled={!template} data-testid="doc-template-save" onClick={() => void submit()}>
            {t('common.save')}
          </Button>
        </Space>
      </div>
      <p className="ky-page-sub">{t('setup.docTemplate.help')}</p>
      {errors('doc-template-errors')}
      {!template ? (
        <Skeleton active paragraph={{ rows: 8 }} />
      ) : (
        <Form form={form} layout="vertical" initialValues={templateToForm(template)} style={{ maxWidth: 960 }}>
          <Divider orientation="left" orientationMargin={0}>
            {t('setup.docTemplate.company')}
          </Divider>
          {COMPANY_ROWS.map((row) => (
            <Row gutter={16} key={row.join()}>
              {row.map((name) => (
                <Col xs={24} md={row.length === 1 ? 24 : 12} key={name}>
                  <Form.Item name={name} label={t(COMPANY_LABELS[name])}>
                    <Input maxLength={TEXT_LIMITS[name]} data-testid={`doc-template-${name}`} />
                  </Form.Item>
                </Col>
              ))}
            </Row>
          ))}

          <Divider orientation="left" orientationMargin={0}>
            {t('setup.docTemplate.appearance')}
          </Divider>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item
                label={t('setup.docTemplate.logo')}
                extra={t('setup.docTemplate.logoHelp', { kb: LOGO_MAX_KB })}
                validateStatus={logoError ? 'error' : undefined}
                help={logoError ? <span data-testid="doc-template-logo-error">{logoError}</span> : undefined}
              >
                <div className="ky-doc-logo">
                  <div className="ky-doc-logo-preview" data-testid="doc-template-logo-preview">
                    {logoSrc ? (
                      <img src={logoSrc} alt={t('setup.docTemplate.logoAlt')} data-testid="doc-template-logo-img" />
                    ) : (
                      <span className="ky-page-sub">
                        <PictureOutlined /> {t('setup.docTemplate.logoNone')}
                      </span>
                    )}
                  </div>
                  <Space direction="vertical" size={6}>
                    {/* A native file input behind the button: antd's Upload (and its progress list)
                        would weigh on every page's first load through the shared antd chunk. */}
                    <input
                      ref={fileInput}
                      type="file"
                      accept={LOGO_TYPES.join(',')}
                      hidden
                      data-testid="doc-template-logo-file"
                      onChange={(e) => {
                        const file = e.target.files?.[0];
                        e.target.value = '';
                        if (file) pick(file);
                      }}
                    />
                    <Button icon={<UploadOutlined />} loading={logoBusy} disabled={logoBusy} onClick={() => fileInput.current?.click()} data-testid="doc-template-logo-upload">
                      {t(template.has_logo ? 'setup.docTemplate.logoReplace' : 'setup.docTemplate.logoUpload')}
                    </Button>
                    {template.has_logo && (
                      <>
                        <Typography.Text type="secondary" className="ky-setup-mono" data-testid="doc-template-logo-info">
                          {(template.logo_media_type ?? '').replace('image/', '').toUpperCase()} · {sizeText(template.logo_size)}
                        </Typography.Text>
                        <Popconfirm
                          title={t('setup.docTemplate.logoRemoveConfirm')}
                          okText={t('setup.docTemplate.logoRemove')}
                          cancelText={t('common.cancel')}
                          okButtonProps={{ danger: true, 'data-testid': 'doc-template-logo-remove-confirm' } as never}
                          onConfirm={() => changeLogo(() => setupApi.updateDocumentTemplate({ logo: null }), 'setup.docTemplate.logoRemoved')}
                        >
                          <Button danger icon={<DeleteOutlined />} disabled={logoBusy} data-testid="doc-template-logo-remove">
                            {t('setup.docTemplate.logoRemove')}
                          </Button>
                        </Popconfirm>
                      </>
                    )}
                  </Space>
                </div>
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                name="accent_color"
                label={t('setup.docTemplate.accentColor')}
                extra={t('setup.docTemplate.accentHelp')}
                getValueFromEvent={(e: { target: { value: string } }) => e.target.value.toUpperCase()}
              >
                {/* The browser's own colour picker: antd's ColorPicker added ~30 kB (gzip) to
                    the shared antd chunk every first load carries. */}
                <Input type="color" className="ky-color-input" data-testid="doc-template-accent_color" />
              </Form.Item>
            </Col>
          </Row>

          <Divider orientation="left" orientationMargin={0}>
            {t('setup.docTemplate.texts')}
          </Divider>
          <Row gutter={16}>
            {TEMPLATE_LANGS.map((lang) => (
              <Col xs={24} md={12} key={lang}>
                <Typography.Title level={5}>{t(`setup.docTemplate.lang.${lang}`)}</Typography.Title>
                <Form.Item name={['footer_text', lang]} label={t('setup.docTemplate.footer')} extra={t('setup.docTemplate.footerHelp')}>
                  <Input.TextArea rows={2} maxLength={FOOTER_LIMIT} showCount data-testid={`doc-template-footer-${lang}`} />
                </Form.Item>
                <Form.Item name={['terms_text', lang]} label={t('setup.docTemplate.terms')} extra={t('setup.docTemplate.termsHelp')}>
                  <Input.TextArea rows={6} maxLength={TERMS_LIMIT} showCount data-testid={`doc-template-terms-${lang}`} />
                </Form.Item>
              </Col>
            ))}
          </Row>
        </Form>
      )}
    </div>
  );
}
