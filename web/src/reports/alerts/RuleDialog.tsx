/**
 * The editor frame an alert and a report email share: a modal over a form of the rule, built
 * afresh each time it opens; saving checks what the browser can, then creates the rule or
 * changes it, and shows the server's errors at the controls that show them (`placed`), the
 * others above the form. Who is told and whether the rule is on end both editors; the rule's own
 * controls (`children`) come first.
 */
import { Alert, Form, Modal, Switch } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { errorMessage } from '../../components/Status';
import type { LookupValue } from '../../fields/LookupSelect';
import { useI18n } from '../../i18n';
import { useCurrentUser } from '../../state/session';
import { at, type Errors } from '../builder/errors';
import { placeRuleErrors } from './forms';
import { RecipientsFields } from './Recipients';

/** What every rule's form has: its recipients and whether it is on. */
export interface RuleForm {
  users: LookupValue[];
  roles: LookupValue[];
  active: boolean;
}

/** The rule's endpoints: a new one carries its report, a change does not. */
export interface RuleApi<B extends { report_id: string }, R> {
  create(body: B): Promise<R>;
  update(id: string, change: Omit<B, 'report_id'>): Promise<R>;
}

interface Props<F extends RuleForm, B extends { report_id: string }, R extends { id: string }> {
  open: boolean;
  /** `alert` or `subscription`: the test ids `<kind>-dialog`, `<kind>-dialog-error`, `<kind>-active`. */
  kind: string;
  title: string;
  /** The rule to change; none: a new one. */
  rule: R | null;
  /** The form for `rule`, built when the dialog opens or `rule` or `resetOn` changes. */
  build: () => F;
  resetOn?: unknown;
  /** Names of the people and roles the rule names (they may arrive after it opened). */
  titles: Map<string, string>;
  /** The places the browser finds empty (each marked required); none: the rule is sent. */
  missing: (form: F) => string[];
  body: (form: F) => B;
  api: RuleApi<B, R>;
  /** The server's error paths a control shows; others go above the form. */
  placed: RegExp;
  onClose: () => void;
  onSaved: (rule: R) => void;
  /** The rule's own controls. */
  children: (form: F, set: (part: Partial<F>) => void, errors: Errors) => ReactNode;
}

export function RuleDialog<F extends RuleForm, B extends { report_id: string }, R extends { id: string }>(props: Props<F, B, R>) {
  const { open, kind, title, rule, build, resetOn, titles, missing, body, api, placed, onClose, onSaved, children } = props;
  const { t } = useI18n();
  const user = useCurrentUser();
  const [form, setForm] = useState<F>(build);
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!open) return;
    setForm(build());
    setErrors({});
    // Names arriving later do not reset what was typed (see the effect below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, rule, resetOn]);
  useEffect(() => {
    const named = (list: LookupValue[]) => list.map((v) => ({ value: v.value, label: titles.get(v.value) ?? v.label }));
    setForm((f) => ({ ...f, users: named(f.users), roles: named(f.roles) }));
  }, [titles]);

  const set = (part: Partial<F>) => setForm((f) => ({ ...f, ...part }));

  const save = async () => {
    const empty = missing(form);
    if (empty.length) {
      setErrors(Object.fromEntries(empty.map((place) => [place, t('common.required')])));
      return;
    }
    setSaving(true);
    setErrors({});
    try {
      const sent = body(form);
      if (rule) {
        const { report_id: _, ...change } = sent;
        onSaved(await api.update(rule.id, change));
      } else {
        onSaved(await api.create(sent));
      }
    } catch (e) {
      setErrors(placeRuleErrors(e, placed) ?? { _: errorMessage(e, t) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={title}
      onCancel={onClose}
      onOk={() => void save()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      destroyOnHidden
      width={620}
    >
      <div data-testid={`${kind}-dialog`}>
        {errors._ && <Alert type="error" showIcon message={errors._} style={{ marginBottom: 12 }} data-testid={`${kind}-dialog-error`} />}
        <Form layout="vertical" component="div">
          {children(form, set, errors)}
          <RecipientsFields users={form.users} roles={form.roles} onUsers={(users) => set({ users } as Partial<F>)} onRoles={(roles) => set({ roles } as Partial<F>)} canPickRoles={!!user?.is_admin} errors={errors} />
          <Form.Item label={t('reports.rules.active')} {...at(errors, 'active')}>
            <Switch checked={form.active} onChange={(active) => set({ active } as Partial<F>)} data-testid={`${kind}-active`} />
          </Form.Item>
        </Form>
      </div>
    </Modal>
  );
}
