import { Alert, type FormInstance, type ModalProps } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError } from '../../api/client';
import type { ProblemFieldError } from '../../api/types';
import { useI18n } from '../../i18n';
import { errorMessage } from '../Status';

/** Field errors split into those of the form's inputs (by form name or name path) and the rest. */
export interface FormErrors {
  fields: { name: string | string[]; errors: string[] }[];
  general: string[];
}

/**
 * What the Setup editor modals (validation rules, sharing rules, SSO providers) and the
 * single-form Setup pages (document template: `submit`, `saving`, `errors`) share, so that
 * one copy holds it: OK validates the form and calls `save`; the API's field errors go through
 * `mapErrors` onto the named inputs (form.setFields); the rest (if none, "see the highlighted
 * fields") and any other error show in an alert above the form (`errors(testId)`), cleared on opening.
 * `modalProps(okTestId)` wires the Modal's OK button (save, spinner) and its button texts.
 */
export function useModalSubmit<F>(form: FormInstance<F>, open: boolean, save: (values: F) => Promise<unknown>, mapErrors: (errors: ProblemFieldError[]) => FormErrors) {
  const { t } = useI18n();
  const [saving, setSaving] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  useEffect(() => {
    if (open) setGeneral([]);
  }, [open]);

  const submit = async () => {
    let values: F;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    setGeneral([]);
    try {
      await save(values);
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const mapped = mapErrors(e.fieldErrors);
        form.setFields(mapped.fields.map((f) => ({ name: f.name as never, errors: f.errors })));
        setGeneral(mapped.general.length ? mapped.general : [t('setup.fixErrors')]);
      } else setGeneral([errorMessage(e, t)]);
    } finally {
      setSaving(false);
    }
  };

  const errors = (testId: string) =>
    general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.map((g, i) => <div key={i}>{g}</div>)} data-testid={testId} />;

  /** The Modal's save/cancel buttons; the OK button submits and has test id `okTestId`. */
  const modalProps = (okTestId: string): ModalProps => ({
    onOk: () => void submit(),
    confirmLoading: saving,
    okText: t('common.save'),
    cancelText: t('common.cancel'),
    destroyOnHidden: true,
    okButtonProps: { 'data-testid': okTestId } as never,
  });

  return { submit, modalProps, errors, saving };
}
