import '../i18n/imports';
import { ArrowLeftOutlined, DownloadOutlined, InboxOutlined, SaveOutlined, UndoOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, type ButtonProps, Descriptions, Grid, Input, Modal, Popconfirm, Progress, Radio, Result, Select, Space, Spin, Steps, Table, Tag, Typography, Upload } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { ObjectMeta, RecordData } from '../api/types';
import { FieldDisplay } from '../fields/registry';
import { getField } from '../lib/fields';
import { errorMessage, FullPageSpinner } from '../components/Status';
import { useI18n } from '../i18n';
import { can } from '../lib/layout';
import NotFoundPage from '../pages/NotFoundPage';
import { useMetadata } from '../state/metadata';
import { importsApi, type ImportField, type ImportMode, type ImportPreview, type ImportRun, type Mapping, type SavedMapping } from './api';
import './imports.css';
import { usePolledRun } from './usePolledRun';
import { anyMapped, applySavedMapping, errorRows, initialMapping, isActive, keyFields, mappableFields, missingRequired, progressPercent, undoable, type ErrorRow } from './wizard';

type Step = 'upload' | 'mapping' | 'options' | 'dryRun' | 'import' | 'result';
const STEPS: Step[] = ['upload', 'mapping', 'options', 'dryRun', 'import', 'result'];

/** The route /o/:object/import: the wizard for an object the user may create or edit records of. */
export default function ImportWizardPage() {
  const { object: objectName = '' } = useParams();
  const { getObject, loading } = useMetadata();
  const obj = getObject(objectName);
  if (!obj) return loading ? <FullPageSpinner /> : <NotFoundPage title={undefined} />;
  if (!can(obj, 'create') && !can(obj, 'edit')) return <NotFoundPage title={undefined} />;
  return <ImportWizard key={obj.name} object={obj} />;
}

/**
 * Upload → columns → options → check (a dry run) → import (live progress, cancel) → result
 * (undo). Each step only reads what the server said: the automatic mapping, which fields may
 * be written, what a dry run found; the wizard never guesses a value.
 */
export function ImportWizard({ object }: { object: ObjectMeta }) {
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const screens = Grid.useBreakpoint();
  const mobile = !screens.md;
  const [step, setStep] = useState<Step>('upload');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [uploading, setUploading] = useState(false);
  const [mapping, setMapping] = useState<Mapping>({});
  const [saved, setSaved] = useState<SavedMapping[]>([]);
  const [mode, setMode] = useState<ImportMode>('insert');
  const [key, setKey] = useState<string | null>(null);
  const [allOrNothing, setAllOrNothing] = useState(false);
  const [dryRun, setDryRun] = usePolledRun(null);
  const [run, setRun] = usePolledRun(null);
  const [errors, setErrors] = useState<{ headers: string[]; rows: ErrorRow[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const objectLabel = label(object.labels, object.name);
  const fields = preview?.fields ?? [];

  useEffect(() => {
    importsApi.mappings(object.name).then(setSaved, () => setSaved([]));
  }, [object.name]);

  /** Read a file; a corrected file keeps the columns already chosen (by header). */
  const upload = async (file: File, keepMapping: boolean) => {
    setUploading(true);
    try {
      const p = await importsApi.upload(object.name, file);
      setPreview(p);
      setMapping(keepMapping ? applySavedMapping(p.headers, initialMapping(p.headers, p.mapping), mapping) : initialMapping(p.headers, p.mapping));
      return p;
    } catch (e) {
      message.error(errorMessage(e, t));
      return null;
    } finally {
      setUploading(false);
    }
  };

  const changeSheet = async (sheet: string) => {
    if (!preview) return;
    setUploading(true);
    try {
      const p = await importsApi.preview(preview.upload_id, sheet);
      setPreview(p);
      setMapping(initialMapping(p.headers, p.mapping));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setUploading(false);
    }
  };

  const start = async (dry: boolean, uploadId = preview?.upload_id) => {
    if (!uploadId) return;
    setBusy(true);
    try {
      const r = await importsApi.start({ upload_id: uploadId, mode, key: mode === 'insert' ? null : key, all_or_nothing: allOrNothing, dry_run: dry, mapping, sheet: preview?.sheet ?? null });
      if (dry) {
        setErrors(null);
        setDryRun(r);
        setStep('dryRun');
      } else {
        setRun(r);
        setStep('import');
      }
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(false);
    }
  };

  // A finished check with failed rows: its report read back as a table.
  const dryDone = dryRun && !isActive(dryRun) ? dryRun : null;
  useEffect(() => {
    if (!dryDone || dryDone.failed === 0) return;
    let stale = false;
    importsApi.errorsText(dryDone.id).then(
      (text) => !stale && setErrors(errorRows(text)),
      () => !stale && setErrors({ headers: [], rows: [] }),
    );
    return () => {
      stale = true;
    };
  }, [dryDone?.id, dryDone?.failed]); // eslint-disable-line react-hooks/exhaustive-deps

  // The import's end moves the wizard on to its result.
  useEffect(() => {
    if (step === 'import' && run && !isActive(run)) setStep('result');
  }, [step, run]);

  const uploadFixed = async (file: File) => {
    const p = await upload(file, true);
    if (p) await start(true, p.upload_id);
  };

  const index = STEPS.indexOf(step);
  return (
    <div className="ky-page ky-import" data-testid="import-wizard">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <div>
            <h1>{t('imports.title', { object: objectLabel })}</h1>
            <div className="ky-page-sub">{t('imports.subtitle')}</div>
          </div>
        </div>
        <Link to={`/o/${object.name}`} data-testid="import-back">
          <ArrowLeftOutlined /> {t('imports.back')}
        </Link>
      </div>
      <Steps
        className="ky-import-steps"
        size="small"
        current={index}
        direction={mobile ? 'vertical' : 'horizontal'}
        items={STEPS.map((s) => ({ title: t(`imports.step.${s}`) }))}
        data-testid="import-steps"
      />
      <div className="ky-import-body" data-testid={`import-step-${step}`}>
        {step === 'upload' && (
          <UploadStep preview={preview} uploading={uploading} onFile={(f) => void upload(f, false)} onSheet={(s) => void changeSheet(s)} onNext={() => setStep('mapping')} />
        )}
        {step === 'mapping' && preview && (
          <MappingStep
            object={object}
            preview={preview}
            fields={fields}
            mapping={mapping}
            onChange={setMapping}
            saved={saved}
            onSaved={(m) => setSaved((prev) => [...prev.filter((x) => x.name !== m.name), m])}
            onBack={() => setStep('upload')}
            onNext={() => setStep('options')}
          />
        )}
        {step === 'options' && (
          <OptionsStep
            fields={fields}
            mode={mode}
            onMode={(m) => {
              setMode(m);
              if (m === 'insert') setKey(null);
            }}
            keyField={key}
            onKey={setKey}
            allOrNothing={allOrNothing}
            onAllOrNothing={setAllOrNothing}
            busy={busy}
            onBack={() => setStep('mapping')}
            onNext={() => void start(true)}
          />
        )}
        {step === 'dryRun' && dryRun && (
          <DryRunStep
            object={object}
            run={dryRun}
            fields={fields}
            mapping={mapping}
            errors={errors}
            allOrNothing={allOrNothing}
            busy={busy || uploading}
            onBack={() => setStep('options')}
            onUploadFixed={(f) => void uploadFixed(f)}
            onImport={() => void start(false)}
          />
        )}
        {step === 'import' && run && <ProgressStep run={run} onCancelled={setRun} />}
        {step === 'result' && run && (
          <ResultStep
            run={run}
            object={object}
            onUndone={setRun}
            onAgain={() => {
              setPreview(null);
              setDryRun(null);
              setRun(null);
              setErrors(null);
              setStep('upload');
            }}
          />
        )}
      </div>
    </div>
  );
}

function UploadStep({ preview, uploading, onFile, onSheet, onNext }: { preview: ImportPreview | null; uploading: boolean; onFile: (f: File) => void; onSheet: (s: string) => void; onNext: () => void }) {
  const { t } = useI18n();
  return (
    <Space direction="vertical" size="middle" className="ky-import-stack">
      <div data-testid="import-dropzone">
      <Upload.Dragger
        accept=".csv,.txt,.tsv,.xlsx,.xls"
        multiple={false}
        showUploadList={false}
        disabled={uploading}
        beforeUpload={(file) => {
          onFile(file);
          return false;
        }}
      >
        <p className="ant-upload-drag-icon">{uploading ? <Spin /> : <InboxOutlined />}</p>
        <p className="ant-upload-text">{uploading ? t('imports.upload.reading') : t('imports.upload.drop')}</p>
        <p className="ant-upload-hint">{t('imports.upload.hint')}</p>
      </Upload.Dragger>
      </div>
      {preview && (
        <>
          <Descriptions size="small" bordered column={{ xs: 1, sm: 2, lg: 3 }} data-testid="import-file-info">
            <Descriptions.Item label={t('imports.upload.file')}>{preview.file_name}</Descriptions.Item>
            <Descriptions.Item label={t('imports.upload.format')}>{preview.format.toUpperCase()}</Descriptions.Item>
            {preview.encoding && (
              <Descriptions.Item label={t('imports.upload.encoding')}>
                <span data-testid="import-encoding">{preview.encoding}</span>
              </Descriptions.Item>
            )}
            {preview.sheets.length > 0 && (
              <Descriptions.Item label={t('imports.upload.sheet')}>
                <Select size="small" value={preview.sheet ?? undefined} options={preview.sheets.map((s) => ({ value: s, label: s }))} onChange={onSheet} aria-label={t('imports.upload.sheet')} data-testid="import-sheet" style={{ minWidth: 140 }} />
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('imports.upload.headerRow')}>
              <span data-testid="import-header-row">{preview.header_row}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('imports.upload.rows')}>
              <span data-testid="import-total">{preview.total}</span>
            </Descriptions.Item>
          </Descriptions>
          <Typography.Text strong>{t('imports.upload.firstRows')}</Typography.Text>
          <Table
            size="small"
            rowKey="row"
            pagination={false}
            scroll={{ x: true }}
            dataSource={preview.rows}
            data-testid="import-file-rows"
            columns={[
              { title: '#', dataIndex: 'row', width: 56 },
              ...preview.headers.map((h, i) => ({ title: h, key: `c${i}`, render: (_: unknown, r: { cells: string[] }) => r.cells[i] ?? '' })),
            ]}
          />
          <div className="ky-import-actions">
            <Button type="primary" onClick={onNext} data-testid="import-next">
              {t('imports.next')}
            </Button>
          </div>
        </>
      )}
    </Space>
  );
}

function MappingStep(props: {
  object: ObjectMeta;
  preview: ImportPreview;
  fields: ImportField[];
  mapping: Mapping;
  onChange: (m: Mapping) => void;
  saved: SavedMapping[];
  onSaved: (m: SavedMapping) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { object, preview, fields, mapping, onChange, saved, onSaved, onBack, onNext } = props;
  const { t } = useI18n();
  const { message } = App.useApp();
  const [saveOpen, setSaveOpen] = useState(false);
  const [saveName, setSaveName] = useState('');
  const [saving, setSaving] = useState(false);
  const [applied, setApplied] = useState<string | null>(null);
  const options = useMemo(() => mappableFields(fields).map((f) => ({ value: f.name, label: `${f.label}${f.required ? ' *' : ''}` })), [fields]);
  const missing = missingRequired(fields, mapping, 'insert');
  const nothing = !anyMapped(mapping);
  const used = new Set(Object.values(mapping).filter(Boolean));

  const setColumn = (header: string, field: string | null) => {
    const next: Mapping = {};
    // One column per field: choosing a field takes it from the column that had it.
    for (const [h, f] of Object.entries(mapping)) next[h] = field && f === field && h !== header ? null : f;
    next[header] = field;
    onChange(next);
  };

  const apply = (name: string) => {
    const m = saved.find((s) => s.name === name);
    if (!m) return;
    onChange(applySavedMapping(preview.headers, mapping, m.columns));
    setApplied(name);
    message.success(t('imports.mapping.applied', { name }));
  };

  const save = async () => {
    const name = saveName.trim();
    if (!name) return;
    setSaving(true);
    try {
      onSaved(await importsApi.saveMapping(object.name, name, mapping));
      message.success(t('imports.mapping.savedOk', { name }));
      setSaveOpen(false);
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Space direction="vertical" size="middle" className="ky-import-stack">
      <Typography.Text type="secondary">{t('imports.mapping.help')}</Typography.Text>
      <Space wrap>
        {saved.length > 0 && (
          <Select
            placeholder={t('imports.mapping.apply')}
            aria-label={t('imports.mapping.apply')}
            options={saved.map((s) => ({ value: s.name, label: s.name }))}
            onChange={apply}
            value={applied}
            style={{ minWidth: 220 }}
            data-testid="import-saved-mapping"
          />
        )}
        <Button icon={<SaveOutlined />} onClick={() => setSaveOpen(true)} data-testid="import-save-mapping">
          {t('imports.mapping.saveAs')}
        </Button>
      </Space>
      <Table
        size="small"
        rowKey="header"
        pagination={false}
        scroll={{ x: 520 }}
        dataSource={preview.headers.map((header, i) => ({ header, i, sample: preview.rows[0]?.cells[i] ?? '' }))}
        data-testid="import-mapping"
        columns={[
          { title: t('imports.mapping.column'), dataIndex: 'header', render: (h: string) => <strong>{h}</strong> },
          { title: t('imports.mapping.sample'), dataIndex: 'sample', ellipsis: true, responsive: ['sm'] },
          {
            title: t('imports.mapping.field'),
            key: 'field',
            width: 300,
            render: (_: unknown, r: { header: string; i: number }) => (
              <Space>
                <Select
                  allowClear
                  showSearch
                  optionFilterProp="label"
                  placeholder={t('imports.mapping.notImported')}
                  value={mapping[r.header] ?? undefined}
                  options={options.map((o) => ({ ...o, disabled: used.has(o.value) && mapping[r.header] !== o.value }))}
                  onChange={(v?: string) => setColumn(r.header, v ?? null)}
                  aria-label={t('imports.mapping.fieldFor', { column: r.header })}
                  data-testid={`import-map-${r.i}`}
                  style={{ width: 220 }}
                />
                {mapping[r.header] && preview.mapping[r.header] === mapping[r.header] && <Tag color="green">{t('imports.mapping.auto')}</Tag>}
              </Space>
            ),
          },
        ]}
      />
      {missing.length > 0 && <Alert type="warning" showIcon message={t('imports.mapping.missing', { fields: missing.map((f) => f.label).join('、') })} data-testid="import-missing" />}
      {nothing && <Alert type="warning" showIcon message={t('imports.mapping.nothing')} />}
      <div className="ky-import-actions">
        <Button onClick={onBack}>{t('imports.previous')}</Button>
        <Button type="primary" disabled={missing.length > 0 || nothing} onClick={onNext} data-testid="import-next">
          {t('imports.next')}
        </Button>
      </div>
      <Modal open={saveOpen} title={t('imports.mapping.saveAs')} onCancel={() => setSaveOpen(false)} onOk={() => void save()} okButtonProps={{ disabled: !saveName.trim(), loading: saving, 'data-testid': 'import-save-mapping-ok' } as ButtonProps}>
        <Input value={saveName} maxLength={100} onChange={(e) => setSaveName(e.target.value)} placeholder={t('imports.mapping.saveName')} aria-label={t('imports.mapping.saveName')} data-testid="import-save-mapping-name" />
      </Modal>
    </Space>
  );
}

function OptionsStep(props: {
  fields: ImportField[];
  mode: ImportMode;
  onMode: (m: ImportMode) => void;
  keyField: string | null;
  onKey: (k: string | null) => void;
  allOrNothing: boolean;
  onAllOrNothing: (v: boolean) => void;
  busy: boolean;
  onBack: () => void;
  onNext: () => void;
}) {
  const { fields, mode, onMode, keyField, onKey, allOrNothing, onAllOrNothing, busy, onBack, onNext } = props;
  const { t } = useI18n();
  const needsKey = mode !== 'insert';
  return (
    <Space direction="vertical" size="large" className="ky-import-stack">
      <div>
        <Typography.Text strong id="import-mode-label">
          {t('imports.options.mode')}
        </Typography.Text>
        <Radio.Group value={mode} onChange={(e) => onMode(e.target.value as ImportMode)} aria-labelledby="import-mode-label" data-testid="import-mode" className="ky-import-radios">
          {(['insert', 'update', 'upsert'] as const).map((m) => (
            <Radio key={m} value={m} data-testid={`import-mode-${m}`}>
              {t(`imports.options.mode.${m}`)}
            </Radio>
          ))}
        </Radio.Group>
      </div>
      {needsKey && (
        <div>
          <Typography.Text strong>{t('imports.options.key')}</Typography.Text>
          <div>
            <Select value={keyField ?? undefined} onChange={(v: string) => onKey(v)} options={keyFields(fields, mode).map((f) => ({ value: f.name, label: f.label }))} aria-label={t('imports.options.key')} data-testid="import-key" style={{ minWidth: 220 }} />
          </div>
          <Typography.Text type="secondary">{t('imports.options.keyHelp')}</Typography.Text>
        </div>
      )}
      <div>
        <Typography.Text strong id="import-failure-label">
          {t('imports.options.failure')}
        </Typography.Text>
        <Radio.Group value={allOrNothing} onChange={(e) => onAllOrNothing(e.target.value as boolean)} aria-labelledby="import-failure-label" className="ky-import-radios">
          <Radio value={false} data-testid="import-skip-bad">
            {t('imports.options.skip')}
          </Radio>
          <Radio value={true} data-testid="import-all-or-nothing">
            {t('imports.options.allOrNothing')}
          </Radio>
        </Radio.Group>
      </div>
      {needsKey && !keyField && <Alert type="info" showIcon message={t('imports.options.keyRequired')} />}
      <Typography.Text type="secondary">{t('imports.dryRun.help')}</Typography.Text>
      <div className="ky-import-actions">
        <Button onClick={onBack}>{t('imports.previous')}</Button>
        <Button type="primary" loading={busy} disabled={needsKey && !keyField} onClick={onNext} data-testid="import-dry-run">
          {t('imports.dryRun.run')}
        </Button>
      </div>
    </Space>
  );
}

function display(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function FileErrorAlert({ run }: { run: ImportRun }) {
  const { t } = useI18n();
  if (!run.file_error) return null;
  const details = run.file_error.errors?.map((e) => String((e as { message?: string }).message ?? '')).filter(Boolean) ?? [];
  return <Alert type="error" showIcon message={t('imports.fileError', { message: run.file_error.message })} description={details.length ? details.join('; ') : undefined} data-testid="import-file-error" />;
}

function DryRunStep(props: {
  object: ObjectMeta;
  run: ImportRun;
  fields: ImportField[];
  mapping: Mapping;
  errors: { headers: string[]; rows: ErrorRow[] } | null;
  allOrNothing: boolean;
  busy: boolean;
  onBack: () => void;
  onUploadFixed: (f: File) => void;
  onImport: () => void;
}) {
  const { object, run, fields, mapping, errors, allOrNothing, busy, onBack, onUploadFixed, onImport } = props;
  const { t } = useI18n();
  if (isActive(run)) {
    return (
      <div data-testid="import-checking">
        <Typography.Text>{t('imports.dryRun.checking', { processed: run.processed, total: run.total })}</Typography.Text>
        <Progress percent={progressPercent(run)} status="active" />
      </div>
    );
  }
  const mapped = fields.filter((f) => Object.values(mapping).includes(f.name));
  const refused = run.status === 'failed' && !!run.file_error;
  const canImport = !refused && run.total > run.failed && !(allOrNothing && run.failed > 0);
  return (
    <Space direction="vertical" size="middle" className="ky-import-stack">
      <FileErrorAlert run={run} />
      {!refused &&
        (run.failed === 0 ? (
          <Alert type="success" showIcon message={t('imports.dryRun.ok', { total: run.total, created: run.created, updated: run.updated })} data-testid="import-dry-ok" />
        ) : (
          <Alert type="warning" showIcon message={<span data-testid="import-dry-errors">{t('imports.dryRun.errors', { failed: run.failed, total: run.total })}</span>} />
        ))}
      {run.failed > 0 && (
        <>
          <Space wrap>
            <Typography.Text strong>{t('imports.dryRun.errorTable')}</Typography.Text>
            <Button icon={<DownloadOutlined />} href={importsApi.errorsUrl(run.id)} data-testid="import-error-report">
              {t('imports.errorReport')}
            </Button>
          </Space>
          <Table
            size="small"
            rowKey="row"
            loading={!errors}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            scroll={{ x: true }}
            dataSource={errors?.rows ?? []}
            data-testid="import-error-table"
            columns={[
              { title: t('imports.dryRun.row'), dataIndex: 'row', width: 64 },
              { title: t('imports.dryRun.error'), dataIndex: 'errors', render: (e: string) => <Typography.Text type="danger">{e}</Typography.Text> },
              ...(errors?.headers ?? []).slice(0, 6).map((h, i) => ({ title: h, key: `c${i}`, responsive: ['md' as const], render: (_: unknown, r: ErrorRow) => r.cells[i] ?? '' })),
            ]}
          />
        </>
      )}
      {run.preview && run.preview.length > 0 && (
        <>
          <Typography.Text strong>{t('imports.dryRun.preview')}</Typography.Text>
          <Table
            size="small"
            rowKey="row"
            pagination={false}
            scroll={{ x: true }}
            dataSource={run.preview as { row: number; action: string; record: Record<string, unknown> }[]}
            data-testid="import-preview"
            columns={[
              { title: t('imports.dryRun.row'), dataIndex: 'row', width: 64 },
              { title: t('imports.dryRun.action'), dataIndex: 'action', width: 80, render: (a: string) => (a === 'update' ? t('imports.dryRun.action.update') : t('imports.dryRun.action.create')) },
              ...mapped.map((f) => {
                // Shown as the list shows it (option labels, amounts, dates) when the field is known.
                const meta = getField(object, f.name);
                return {
                  title: f.label,
                  key: f.name,
                  render: (_: unknown, r: { record: Record<string, unknown> }) => (meta ? <FieldDisplay field={meta} record={(r.record ?? {}) as RecordData} compact plain /> : display(r.record?.[f.name])),
                };
              }),
            ]}
          />
        </>
      )}
      <div className="ky-import-actions">
        <Button onClick={onBack}>{t('imports.previous')}</Button>
        <Upload
          accept=".csv,.txt,.tsv,.xlsx,.xls"
          data-testid="import-fixed-input"
          showUploadList={false}
          beforeUpload={(file) => {
            onUploadFixed(file);
            return false;
          }}
        >
          <Button icon={<UploadOutlined />} loading={busy} data-testid="import-upload-fixed">
            {t('imports.dryRun.uploadFixed')}
          </Button>
        </Upload>
        <Button type="primary" disabled={!canImport} loading={busy} onClick={onImport} data-testid="import-start">
          {run.failed > 0 ? t('imports.startAnyway') : t('imports.start', { total: run.total })}
        </Button>
      </div>
    </Space>
  );
}

function ProgressStep({ run, onCancelled }: { run: ImportRun; onCancelled: (r: ImportRun) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [cancelling, setCancelling] = useState(false);
  const cancel = useCallback(async () => {
    setCancelling(true);
    try {
      onCancelled(await importsApi.cancel(run.id));
    } catch (e) {
      message.error(errorMessage(e, t));
      setCancelling(false);
    }
  }, [run.id, onCancelled, message, t]);
  const percent = progressPercent(run);
  return (
    <Space direction="vertical" size="middle" className="ky-import-stack" data-testid="import-progress">
      <Typography.Text data-testid="import-progress-text">
        {run.status === 'queued' ? t('imports.queued') : t('imports.progress', { processed: run.processed, total: run.total })}
      </Typography.Text>
      <Progress percent={percent} status="active" aria-label={t('imports.progress', { processed: run.processed, total: run.total })} data-testid="import-progress-bar" data-percent={percent} />
      {run.cancel_requested && <Typography.Text type="secondary">{t('imports.cancelling')}</Typography.Text>}
      <div className="ky-import-actions">
        <Button danger loading={cancelling} disabled={run.cancel_requested} onClick={() => void cancel()} data-testid="import-cancel">
          {t('imports.cancel')}
        </Button>
      </div>
    </Space>
  );
}

function ResultStep({ run, object, onUndone, onAgain }: { run: ImportRun; object: ObjectMeta; onUndone: (r: ImportRun) => void; onAgain: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [undoing, setUndoing] = useState(false);
  const undo = async () => {
    setUndoing(true);
    try {
      const r = await importsApi.undo(run.id);
      onUndone(r);
      const skipped = Array.isArray((r.undo_report as { skipped?: unknown[] } | null)?.skipped) ? ((r.undo_report as { skipped: unknown[] }).skipped.length) : 0;
      message.success(skipped ? `${t('imports.undoOk')} · ${t('imports.undoSkipped', { count: skipped })}` : t('imports.undoOk'));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setUndoing(false);
    }
  };
  const status = run.status === 'done' ? 'success' : run.status === 'failed' ? 'error' : run.status === 'cancelled' ? 'warning' : 'info';
  const title = t(`imports.result.${run.status === 'done' || run.status === 'failed' || run.status === 'cancelled' || run.status === 'undone' ? run.status : 'done'}`);
  const nothing = run.status === 'failed' || run.created + run.updated === 0;
  return (
    <Result
      status={status}
      title={<span data-testid="import-result-title">{title}</span>}
      subTitle={
        <span data-testid="import-result-counts">
          {t('imports.result.counts', { created: run.created, updated: run.updated, failed: run.failed })}
          {nothing && run.status !== 'undone' ? ` — ${t('imports.result.nothingWritten')}` : ''}
        </span>
      }
      extra={
        <Space wrap>
          <FileErrorAlert run={run} />
          <Link to={`/o/${object.name}`} data-testid="import-see-records">
            <Button type="primary">{t('imports.result.records')}</Button>
          </Link>
          {run.failed > 0 && (
            <Button icon={<DownloadOutlined />} href={importsApi.errorsUrl(run.id)}>
              {t('imports.errorReport')}
            </Button>
          )}
          {undoable(run) && (
            <Popconfirm title={t('imports.undoConfirm')} description={<div className="ky-import-confirm">{t('imports.undoHelp')}</div>} onConfirm={() => void undo()} okButtonProps={{ 'data-testid': 'import-undo-ok' } as ButtonProps}>
              <Button danger icon={<UndoOutlined />} loading={undoing} data-testid="import-undo">
                {t('imports.undo')}
              </Button>
            </Popconfirm>
          )}
          <Button onClick={onAgain}>{t('imports.result.again')}</Button>
        </Space>
      }
    />
  );
}
