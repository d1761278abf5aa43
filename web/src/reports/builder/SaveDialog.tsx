/** Where a report is saved: its name and folder ("My reports", or a folder the author manages). */
import { Alert, Form, Input, Modal, Select } from 'antd';
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n';
import { textOf, type ReportFolder } from '../api';
import { at, type Errors } from './errors';

interface Props {
  open: boolean;
  title: string;
  name: string;
  folderId: string | null;
  folders: ReportFolder[];
  errors: Errors;
  /** A message the dialog shows above its fields (definition errors are marked in the builder). */
  failure: string | null;
  saving: boolean;
  onCancel: () => void;
  onSave: (name: string, folderId: string | null) => void;
}

export function SaveDialog({ open, title, name, folderId, folders, errors, failure, saving, onCancel, onSave }: Props) {
  const { t, lang } = useI18n();
  const [text, setText] = useState(name);
  const [folder, setFolder] = useState<string>(folderId ?? '');
  useEffect(() => {
    if (!open) return;
    setText(name);
    setFolder(folderId ?? '');
  }, [open, name, folderId]);
  const options = [{ value: '', label: t('reports.folders.mine') }, ...folders.filter((f) => f.can_manage).map((f) => ({ value: f.id, label: textOf(f.name, lang) }))];
  const nameError = !text.trim() ? { validateStatus: 'error' as const, help: t('common.required') } : at(errors, 'name');
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onCancel}
      onOk={() => text.trim() && onSave(text.trim(), folder || null)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      destroyOnHidden
      data-testid="save-dialog"
    >
      {failure && <Alert type="error" showIcon message={failure} style={{ marginBottom: 12 }} data-testid="save-failure" />}
      <Form layout="vertical" component="div">
        <Form.Item label={t('reports.builder.name')} required {...nameError}>
          <Input value={text} onChange={(e) => setText(e.target.value)} maxLength={100} data-testid="save-name" />
        </Form.Item>
        <Form.Item label={t('reports.folder')} {...at(errors, 'folder_id')}>
          <Select value={folder} onChange={setFolder} options={options} data-testid="save-folder" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
