/**
 * The report builder (/reports/new, /reports/:id/edit): the object, the type, row and column
 * groupings (with date buckets), the values, the filter, columns, sort and chart, with a live
 * preview that runs the definition as it is edited (debounced). Saving sends the definition;
 * the server checks it as its author sees the data, and an error it finds is shown at the
 * control it names.
 */
import { ArrowLeftOutlined, DownloadOutlined, SaveOutlined } from '@ant-design/icons';
import { Alert, App, Button, Col, Dropdown, Empty, Form, Input, Row, Segmented, Select, Skeleton, Space, Spin, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import type { ObjectMeta, RecordData } from '../../api/types';
import { measureLabel } from '../../charts/reportLabels';
import { FilterBuilder } from '../../components/FilterBuilder';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { isSystemField, valueType } from '../../lib/fields';
import { useMetadata } from '../../state/metadata';
import { useFormatSettings } from '../../state/session';
import {
  downloadExport,
  REPORT_TYPES,
  reportsApi,
  textOf,
  type ExportFormat,
  type GroupKey,
  type ReportFolder,
  type ReportChange,
  type ReportResult,
  type ReportType,
  type SavedReport,
  type TabularResult,
} from '../../reports/api';
import { ChartEditor } from '../../reports/builder/ChartEditor';
import { at, unplaced, type Errors } from '../../reports/builder/errors';
import { GroupingsEditor } from '../../reports/builder/GroupingsEditor';
import { MeasuresEditor } from '../../reports/builder/MeasuresEditor';
import { SaveDialog } from '../../reports/builder/SaveDialog';
import { SortEditor } from '../../reports/builder/SortEditor';
import {
  errorPath,
  fieldChoices,
  isGroupable,
  MAX_COLUMN_GROUPS,
  MAX_ROW_GROUPS,
  missingParts,
  newState,
  normalize,
  resolver,
  stateFromDefinition,
  toDefinition,
  valueName,
  valueNamesOf,
  type BuilderState,
} from '../../reports/definition';
import { DrillDrawer, type DrillTarget } from '../../reports/DrillDrawer';
import { inOptionOrder } from '../../reports/pivot';
import { ReportResultView } from '../../reports/ReportResultView';
import { useReportFormat } from '../../reports/useReportFormat';

/** How long the builder waits after the last edit before it runs the preview. */
export const PREVIEW_DELAY_MS = 450;

/** The parts of the definition the builder has a control for (other errors go above the preview). */
const PLACED = /^(object|type|group_by|column_group_by|aggregates|columns|sort|filter|date_field|chart|name|description|folder_id)(\.|$)/;

/** The server's per-field errors by builder place. */
export function placeErrors(e: unknown): Errors | null {
  if (!(e instanceof ApiError) || !e.fieldErrors.length) return null;
  const found: Errors = {};
  for (const fe of e.fieldErrors) {
    const path = errorPath(fe.field) || '_';
    found[path] = found[path] ? `${found[path]}; ${fe.message}` : fe.message;
  }
  return found;
}

function firstObject(objects: ObjectMeta[], wanted: string | null): ObjectMeta | undefined {
  const readable = objects.filter((o) => o.permissions?.read !== false);
  return readable.find((o) => o.name === wanted) ?? readable.find((o) => o.name === 'opportunity') ?? readable[0];
}

export default function ReportBuilderPage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { t, lang, label } = useI18n();
  const { message } = App.useApp();
  const { objects, getObject } = useMetadata();
  const fmt = useFormatSettings();

  const [saved, setSaved] = useState<SavedReport | null>(null);
  const [state, setState] = useState<BuilderState | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [folders, setFolders] = useState<ReportFolder[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [serverErrors, setServerErrors] = useState<Errors>({});
  const [preview, setPreview] = useState<ReportResult | null>(null);
  const [records, setRecords] = useState<RecordData[]>([]);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [more, setMore] = useState(false);
  const [drill, setDrill] = useState<DrillTarget | null>(null);
  const [dialog, setDialog] = useState<'save' | 'saveAs' | null>(null);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const object = state ? getObject(state.object) : undefined;
  const resolve = useMemo(() => resolver(objects, object), [objects, object]);
  const ownFields = useMemo(() => new Set((object?.fields ?? []).map((f) => f.name)), [object]);

  useEffect(() => {
    document.title = `${id ? t('reports.builder.editTitle') : t('reports.builder.newTitle')} · ${t('app.name')}`;
  }, [t, id]);

  useEffect(() => {
    const ctrl = new AbortController();
    reportsApi
      .folders(ctrl.signal)
      .then((r) => setFolders(r.folders))
      .catch(() => undefined);
    return () => ctrl.abort();
  }, []);

  // The report to edit, or a new one over the object the URL names (else opportunities).
  useEffect(() => {
    if (!objects.length) return;
    if (!id) {
      const obj = firstObject(objects, params.get('object'));
      if (obj) setState((s) => s ?? newState(obj));
      return;
    }
    const ctrl = new AbortController();
    reportsApi
      .get(id, ctrl.signal)
      .then((r) => {
        const obj = getObject(r.definition.object);
        setSaved(r);
        setName(textOf(r.name, lang));
        setDescription(textOf(r.description, lang));
        setState(stateFromDefinition(r.definition, r.chart, resolver(objects, obj)));
      })
      .catch((e) => !ctrl.signal.aborted && setLoadError(e));
    return () => ctrl.abort();
    // Loaded once per report: a language switch does not reload the definition being edited.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, objects.length]);

  const definition = useMemo(() => (state ? toDefinition(state, resolve, fmt.timeZone) : null), [state, resolve, fmt.timeZone]);
  const missing = useMemo(() => (state ? missingParts(state) : []), [state]);
  const defKey = definition ? JSON.stringify(definition) : '';

  // The live preview: the definition as it stands, a moment after the last edit.
  useEffect(() => {
    if (!definition || missing.length) return;
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      setRunning(true);
      reportsApi
        .run(definition, {}, ctrl.signal)
        .then((r) => {
          setPreview(r);
          setRecords(r.type === 'tabular' ? r.records : []);
          setServerErrors({});
          setPreviewError(null);
        })
        .catch((e) => {
          if (ctrl.signal.aborted) return;
          const placed = placeErrors(e);
          if (placed) setServerErrors(placed);
          else setPreviewError(e);
        })
        .finally(() => !ctrl.signal.aborted && setRunning(false));
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
    // `defKey` stands for the definition's content.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [defKey, missing.length]);

  const loadDrill = useCallback(
    (key: GroupKey, cursor: string | null, signal?: AbortSignal) => reportsApi.run(definition!, { drill: key, cursor }, signal) as Promise<TabularResult>,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [defKey],
  );
  const format = useReportFormat(preview);
  const shown = useMemo(() => (preview && state ? inOptionOrder(preview, state.sort) : preview), [preview, state]);

  const update = (patch: Partial<BuilderState>) => setState((s) => (s ? normalize({ ...s, ...patch }, ownFields) : s));
  const localErrors: Errors = Object.fromEntries(
    missing.map((p) => [p, p.endsWith('.field') ? t('reports.builder.pickField') : t('reports.builder.required')]),
  );
  const errors: Errors = { ...serverErrors, ...localErrors };

  const choices = useMemo(() => (object ? fieldChoices(objects, object, lang) : []), [objects, object, lang]);
  const groupable = useMemo(() => choices.filter((c) => isGroupable(c.field)), [choices]);
  const ownChoices = choices.filter((c) => !c.via);

  const save = async (mode: 'save' | 'saveAs', newName?: string, folderId?: string | null) => {
    if (!definition || !state) return;
    setSaving(true);
    setFailure(null);
    const body: ReportChange = { definition, chart: state.chart };
    // A name stored in several languages is only replaced when it was edited here.
    if (!saved || mode === 'saveAs' || name.trim() !== textOf(saved.name, lang)) body.name = (newName ?? name).trim();
    if (!saved || mode === 'saveAs' || description.trim() !== textOf(saved.description, lang)) body.description = description.trim() || null;
    try {
      const r =
        mode === 'save' && saved
          ? await reportsApi.update(saved.id, saved.version, body)
          : await reportsApi.create({ ...body, definition, name: (newName ?? name).trim(), folder_id: folderId ?? null });
      setDialog(null);
      message.success(t('common.saved'));
      navigate(`/reports/${encodeURIComponent(r.id)}`);
    } catch (e) {
      const placed = placeErrors(e);
      if (placed) {
        setServerErrors(placed);
        const inDialog = Object.keys(placed).some((k) => k === 'name' || k === 'folder_id');
        setFailure(inDialog ? null : t('reports.builder.hasErrors'));
        if (!dialog) message.error(t('reports.builder.hasErrors'));
      } else {
        const text = e instanceof ApiError && e.status === 412 ? t('reports.builder.stale') : errorMessage(e, t);
        setFailure(text);
        if (!dialog) message.error(text);
      }
    } finally {
      setSaving(false);
    }
  };

  const loadMore = async () => {
    if (!definition || preview?.type !== 'tabular' || !preview.next_cursor) return;
    setMore(true);
    try {
      const next = (await reportsApi.run(definition, { cursor: preview.next_cursor })) as TabularResult;
      setPreview({ ...preview, next_cursor: next.next_cursor });
      setRecords((rs) => [...rs, ...next.records]);
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setMore(false);
    }
  };

  const exportAs = async (format: ExportFormat) => {
    if (!definition) return;
    try {
      await downloadExport(format, { definition, name: name || t('reports.untitled') });
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };

  if (loadError) return <ErrorResult error={loadError} />;
  if (!state || !definition) return <Skeleton active paragraph={{ rows: 10 }} className="ky-page" />;

  const readable = objects.filter((o) => o.permissions?.read !== false);
  const groupingOptions = [...definition.group_by, ...definition.column_group_by].map((g) => {
    const c = choices.find((x) => x.path === g.field);
    const name = c?.label ?? g.field;
    return { value: g.field, label: g.bucket ? t('reports.groupingWithBucket', { name, bucket: t(`reports.bucket.${g.bucket}`) }) : name };
  });
  const valueLabel = (name: string) => {
    const m = definition.aggregates.find((a) => valueName(a) === name || `percent_${valueName(a)}` === name);
    if (!m) return name;
    const field = m.field ? (choices.find((c) => c.path === m.field)?.label ?? m.field) : undefined;
    return measureLabel({ key: valueName(m), kind: 'aggregate', op: m.op, field: m.field, field_label: field }, name, lang);
  };
  const valueOptions = valueNamesOf(definition).map((v) => ({ value: v, label: valueLabel(v) }));
  const sortOptions =
    state.type === 'tabular'
      ? ownChoices.filter((c) => !isSystemField(c.field) || c.path === 'created_at' || c.path === 'updated_at').map((c) => ({ value: c.path, label: c.label }))
      : [...groupingOptions, ...valueOptions];
  const dateFields = ownChoices.filter((c) => ['date', 'datetime'].includes(valueType(c.field)));
  const problems = unplaced(errors, (p) => PLACED.test(p) && p !== 'chart');
  const canSave = !saved || saved.can_edit;

  return (
    <div className="ky-page ky-report-builder" data-testid="report-builder">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate(saved ? `/reports/${encodeURIComponent(saved.id)}` : '/reports')} aria-label={t('common.back')} />
          <h1>{saved ? textOf(saved.name, lang) || t('reports.untitled') : t('reports.builder.newTitle')}</h1>
        </div>
        <Space wrap>
          <Dropdown
            trigger={['click']}
            menu={{
              items: [
                { key: 'xlsx', label: t('reports.export.xlsx') },
                { key: 'csv', label: t('reports.export.csv') },
              ],
              onClick: ({ key }) => void exportAs(key as ExportFormat),
            }}
          >
            <Button icon={<DownloadOutlined />} data-testid="builder-export">
              {t('reports.export')}
            </Button>
          </Dropdown>
          {saved && (
            <Button onClick={() => setDialog('saveAs')} data-testid="builder-save-as">
              {t('reports.builder.saveAs')}
            </Button>
          )}
          <Button
            type="primary"
            icon={<SaveOutlined />}
            disabled={!canSave}
            loading={saving && dialog === null}
            onClick={() => (saved ? void save('save') : setDialog('save'))}
            data-testid="builder-save"
          >
            {t('common.save')}
          </Button>
        </Space>
      </div>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={9}>
          <div className="ky-panel ky-builder-panel">
            <Form layout="vertical" component="div" size="middle">
              <Form.Item label={t('reports.builder.name')} {...at(errors, 'name')} className="ky-builder-item">
                <Input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('reports.untitled')} maxLength={100} data-testid="builder-name" />
              </Form.Item>
              <Form.Item label={t('reports.builder.description')} {...at(errors, 'description')} className="ky-builder-item">
                <Input.TextArea value={description} onChange={(e) => setDescription(e.target.value)} autoSize={{ minRows: 1, maxRows: 4 }} maxLength={1000} />
              </Form.Item>
              <Form.Item label={t('reports.builder.object')} {...at(errors, 'object')} className="ky-builder-item">
                <Select
                  showSearch
                  optionFilterProp="label"
                  value={state.object}
                  onChange={(o: string) => {
                    const obj = getObject(o);
                    if (obj) setState(newState(obj));
                  }}
                  options={readable.map((o) => ({ value: o.name, label: label(o.plural_labels ?? o.labels, o.name) }))}
                  data-testid="builder-object"
                />
              </Form.Item>
              <Form.Item label={t('reports.builder.type')} {...at(errors, 'type')} className="ky-builder-item">
                <Segmented<ReportType>
                  block
                  value={state.type}
                  onChange={(type) => update({ type })}
                  options={REPORT_TYPES.map((r) => ({ value: r, label: t(`reports.type.${r}`) }))}
                  data-testid="builder-type"
                />
              </Form.Item>
              {state.type !== 'tabular' && (
                <GroupingsEditor
                  label={state.type === 'matrix' ? t('reports.builder.rows') : t('reports.builder.groupBy')}
                  path="group_by"
                  items={state.groupBy}
                  max={MAX_ROW_GROUPS[state.type]}
                  choices={groupable}
                  resolve={resolve}
                  errors={errors}
                  onChange={(groupBy) => update({ groupBy })}
                />
              )}
              {state.type === 'matrix' && (
                <GroupingsEditor
                  label={t('reports.builder.columnsGroup')}
                  path="column_group_by"
                  items={state.columnGroupBy}
                  max={MAX_COLUMN_GROUPS}
                  choices={groupable}
                  resolve={resolve}
                  errors={errors}
                  onChange={(columnGroupBy) => update({ columnGroupBy })}
                />
              )}
              <MeasuresEditor items={state.aggregates} choices={choices} grouped={state.type !== 'tabular'} errors={errors} onChange={(aggregates) => update({ aggregates })} />
              <Form.Item label={t('reports.builder.filter')} {...at(errors, 'filter', true)} className="ky-builder-item">
                {state.fixedFilter && <Alert type="info" showIcon message={t('reports.builder.fixedFilter')} className="ky-report-alert" />}
                {object && <FilterBuilder object={object} value={state.filter} onChange={(filter) => update({ filter })} />}
              </Form.Item>
              <Form.Item
                label={state.type === 'tabular' ? t('reports.builder.columns') : t('reports.builder.drillColumns')}
                {...at(errors, 'columns', true)}
                className="ky-builder-item"
              >
                <Select
                  mode="multiple"
                  optionFilterProp="label"
                  value={state.columns}
                  onChange={(columns: string[]) => update({ columns })}
                  options={ownChoices.filter((c) => c.field.type !== 'long_text' || state.type === 'tabular').map((c) => ({ value: c.path, label: c.label }))}
                  maxTagCount="responsive"
                  data-testid="builder-columns"
                />
              </Form.Item>
              <SortEditor items={state.sort} keys={sortOptions} errors={errors} onChange={(sort) => update({ sort })} />
              <ChartEditor chart={state.chart} definition={definition} groupingOptions={groupingOptions} valueOptions={valueOptions} errors={errors} onChange={(chart) => update({ chart })} />
              <Form.Item label={t('reports.builder.dateField')} tooltip={t('reports.builder.dateFieldHelp')} {...at(errors, 'date_field')} className="ky-builder-item">
                <Select
                  allowClear
                  value={state.dateField ?? undefined}
                  onChange={(v?: string) => update({ dateField: v ?? null })}
                  placeholder={t('reports.builder.dateFieldDefault')}
                  options={dateFields.map((c) => ({ value: c.path, label: c.label }))}
                  data-testid="builder-date-field"
                />
              </Form.Item>
            </Form>
          </div>
        </Col>
        <Col xs={24} lg={15}>
          <div className="ky-panel ky-builder-preview" data-testid="builder-preview">
            <div className="ky-builder-preview-head">
              <Typography.Text strong>{t('reports.builder.preview')}</Typography.Text>
              {running && <Spin size="small" data-testid="preview-running" />}
            </div>
            {problems.length > 0 && <Alert type="error" showIcon message={problems.join('; ')} className="ky-report-alert" data-testid="builder-problems" />}
            {previewError ? (
              <ErrorResult error={previewError} />
            ) : shown ? (
              <ReportResultView
                result={shown}
                chart={state.chart}
                format={format}
                onDrill={(key, title) => setDrill({ key, title })}
                records={records}
                loadingMore={more}
                onMore={preview?.type === 'tabular' ? () => void loadMore() : undefined}
              />
            ) : missing.length ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('reports.builder.incomplete')} />
            ) : (
              <Skeleton active paragraph={{ rows: 6 }} />
            )}
          </div>
        </Col>
      </Row>
      <DrillDrawer object={state.object} target={drill} load={loadDrill} onClose={() => setDrill(null)} />
      <SaveDialog
        open={dialog !== null}
        title={dialog === 'saveAs' ? t('reports.builder.saveAs') : t('reports.builder.saveTitle')}
        name={dialog === 'saveAs' ? t('reports.builder.copyOf', { name: name || t('reports.untitled') }) : name}
        folderId={dialog === 'saveAs' ? (saved?.folder_id ?? null) : params.get('folder')}
        folders={folders}
        errors={errors}
        failure={failure}
        saving={saving}
        onCancel={() => {
          setDialog(null);
          setFailure(null);
        }}
        onSave={(n, folder) => {
          setName(n);
          void save(dialog === 'saveAs' ? 'saveAs' : 'save', n, folder);
        }}
      />
    </div>
  );
}
