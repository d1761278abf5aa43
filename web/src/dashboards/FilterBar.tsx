/**
 * The dashboard's filters, applied by the server to every widget: a period (relative dates,
 * fiscal ones included), an owner (one user, or a department with its sub-departments) and a
 * sales process (the opportunity's `pipeline`, when the tenant has that field).
 */
import { Select, Space } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import type { FieldMeta } from '../api/types';
import { LookupSelect, type LookupValue } from '../fields/LookupSelect';
import { optionLabel } from '../fields/text';
import { useI18n } from '../i18n';
import { fetchTitles } from '../lib/referenceLabels';
import { useMetadata } from '../state/metadata';
import type { DashboardFilters } from './api';
import { makeOwner, ownerId, ownerKind, periodChoices, periodLabel, type OwnerKind } from './filters';

interface Props {
  value: DashboardFilters;
  onChange: (next: DashboardFilters) => void;
}

/** The field a pipeline filter applies to: the opportunity's sales process picklist. */
export function pipelineField(getObject: (name: string) => { fields: FieldMeta[] } | undefined): FieldMeta | undefined {
  return getObject('opportunity')?.fields.find((f) => f.name === 'pipeline' && f.type === 'picklist');
}

export function FilterBar({ value, onChange }: Props) {
  const { t, lang } = useI18n();
  const { getObject } = useMetadata();
  const [kind, setKind] = useState<OwnerKind | 'anyone'>(() => ownerKind(value.owner) ?? 'anyone');
  const id = ownerId(value.owner);
  const [titles, setTitles] = useState<Map<string, string>>(() => new Map());
  const pipeline = pipelineField(getObject);

  useEffect(() => {
    // A reload or a stored filter: the picker follows the owner it is given (a cleared one
    // keeps the kind chosen, so switching from a department to a user keeps the user picker).
    const k = ownerKind(value.owner);
    if (k) setKind(k);
  }, [value.owner]);

  useEffect(() => {
    // A stored owner is an id: ask once for the person's (or department's) name.
    const k = ownerKind(value.owner);
    if (!k || !id || titles.has(id)) return;
    const ctrl = new AbortController();
    fetchTitles(new Map([[k, [id]]]), getObject, ctrl.signal)
      .then((found) => {
        if (!ctrl.signal.aborted && found.size) setTitles((m) => new Map([...m, ...found]));
      })
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [value.owner, id, titles, getObject]);

  const periods = useMemo(
    () => periodChoices(value.period).map((p) => ({ value: p, label: periodLabel(p, t) })),
    [value.period, t],
  );
  const ownerValue: LookupValue | null = id ? { value: id, label: titles.get(id) ?? id } : null;

  return (
    <Space wrap className="ky-dash-filters" data-testid="dashboard-filters">
      <Select<string>
        className="ky-dash-filter-period"
        value={value.period ?? undefined}
        allowClear
        placeholder={t('dashboards.filter.anyPeriod')}
        options={periods}
        onChange={(p) => onChange({ ...value, period: p ?? null })}
        aria-label={t('dashboards.filter.period')}
        data-testid="filter-period"
        popupMatchSelectWidth={false}
      />
      <Space.Compact>
        <Select<OwnerKind | 'anyone'>
          value={kind}
          options={[
            { value: 'anyone', label: t('dashboards.filter.anyone') },
            { value: 'user', label: t('dashboards.filter.user') },
            { value: 'department', label: t('dashboards.filter.department') },
          ]}
          onChange={(k) => {
            setKind(k);
            if (k === 'anyone' || (value.owner && ownerKind(value.owner) !== k)) onChange({ ...value, owner: null });
          }}
          aria-label={t('dashboards.filter.owner')}
          data-testid="filter-owner-kind"
          popupMatchSelectWidth={false}
        />
        {kind !== 'anyone' && (
          <LookupSelect
            key={kind}
            target={kind}
            value={ownerValue}
            allowClear
            className="ky-dash-filter-owner"
            placeholder={kind === 'user' ? t('dashboards.filter.pickUser') : t('dashboards.filter.pickDepartment')}
            onChange={(v) => {
              if (v) setTitles((m) => new Map(m).set(v.value, v.label));
              onChange({ ...value, owner: makeOwner(kind, v?.value ?? null) });
            }}
          />
        )}
      </Space.Compact>
      {pipeline && (
        <Select<string>
          className="ky-dash-filter-pipeline"
          value={value.pipeline ?? undefined}
          allowClear
          placeholder={t('dashboards.filter.anyPipeline')}
          options={(pipeline.options ?? []).map((o) => ({ value: o.value, label: optionLabel(pipeline, o.value, lang) }))}
          onChange={(p) => onChange({ ...value, pipeline: p ?? null })}
          aria-label={t('dashboards.filter.pipeline')}
          data-testid="filter-pipeline"
          popupMatchSelectWidth={false}
        />
      )}
    </Space>
  );
}
