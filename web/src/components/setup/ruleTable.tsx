import { App, Switch, type ModalFuncProps, type TableColumnType } from 'antd';
import { useState } from 'react';
import { useI18n } from '../../i18n';
import { removeRule, setRuleActive } from '../../pages/setup/rules';
import { useMetadata } from '../../state/metadata';
import { errorMessage } from '../Status';
import { actionsColumn } from './RowActions';

interface RuleTexts {
  created: string;
  saved: string;
  deleted: string;
  /** The delete confirmation's title, help and OK button test id. */
  confirm: (name: string) => ModalFuncProps;
}

/**
 * What the validation and sharing rule tables share, so that one copy holds it: the metadata API
 * replaces an object's whole rule list on each save (`saveList`), so both switch, delete and edit
 * a rule by its index. Returns `edit(i)` (null: a new rule), the table's last two columns (the
 * "active" switch, test id `${testId}-active-<name>`, and the edit/delete buttons) and the
 * editor modal's index/open/onClose/onSaved props.
 */
export function useRuleList<R extends { name: string; active?: boolean }>(rules: R[], saveList: (next: R[]) => Promise<unknown>, testId: string, texts: RuleTexts) {
  const { t } = useI18n();
  const { reload } = useMetadata();
  const { message, modal } = App.useApp();
  const [index, setIndex] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);

  const edit = (i: number | null) => {
    setIndex(i);
    setOpen(true);
  };

  const save = async (next: R[], done: string) => {
    await saveList(next);
    // Reloaded first: when "saved" shows, the list has the change.
    await reload();
    message.success(done);
  };

  const toggle = async (i: number, active: boolean) => {
    setBusy(rules[i].name);
    try {
      await save(setRuleActive(rules, i, active), texts.saved);
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(null);
    }
  };

  const remove = (i: number) => {
    modal.confirm({
      ...texts.confirm(rules[i].name),
      okType: 'danger',
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await save(removeRule(rules, i), texts.deleted);
        } catch (e) {
          message.error(errorMessage(e, t));
          throw e;
        }
      },
    });
  };

  const columns: TableColumnType<R>[] = [
    {
      title: t('setup.rules.active'),
      key: 'active',
      width: 80,
      render: (_, r, i) => (
        <Switch
          size="small"
          checked={r.active !== false}
          loading={busy === r.name}
          onChange={(on) => void toggle(i, on)}
          aria-label={`${t('setup.rules.active')} ${r.name}`}
          data-testid={`${testId}-active-${r.name}`}
        />
      ),
    },
    actionsColumn<R>(testId, (_, i) => edit(i), (_, i) => remove(i)),
  ];

  const onSaved = async (created: boolean) => {
    setOpen(false);
    await reload();
    message.success(created ? texts.created : texts.saved);
  };

  return { edit, columns, modal: { index, open, onClose: () => setOpen(false), onSaved } };
}
