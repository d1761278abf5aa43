import { DeleteOutlined, DownloadOutlined, UserDeleteOutlined } from '@ant-design/icons';
import { App, Button, Dropdown, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../api/endpoints';
import { useI18n } from '../../i18n';
import { useSession } from '../../state/session';

/** The objects that hold people (the server registers the same: keyi.platform.privacy). */
export const PERSON_OBJECTS = ['contact', 'lead'];

/**
 * "Personal data" on a contact's or lead's page, for administrators only: export everything
 * held about the person as a zip, or erase it. Erasure cannot be undone, so it asks for the
 * person's name typed out and a reason (kept in the audit log).
 */
export function PersonalDataActions({ object, id, name, onErased }: { object: string; id: string; name: string; onErased: () => void }) {
  const { t } = useI18n();
  const { session } = useSession();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  if (!session?.user.is_admin || !PERSON_OBJECTS.includes(object)) return null;

  const close = () => {
    setOpen(false);
    setTyped('');
    setReason('');
  };
  const erase = async () => {
    setBusy(true);
    try {
      const answer = await api.erasePersonalData(object, id, reason.trim());
      message.success(answer.already_erased ? t('privacy.alreadyErased') : t('privacy.erased'));
      close();
      onErased();
    } catch (e) {
      message.error(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Dropdown
        trigger={['click']}
        menu={{
          items: [
            {
              key: 'export',
              icon: <DownloadOutlined />,
              label: (
                <a href={api.personalDataExportUrl(object, id)} download data-testid="privacy-export">
                  {t('privacy.export')}
                </a>
              ),
            },
            { key: 'erase', icon: <DeleteOutlined />, danger: true, label: <span data-testid="privacy-erase">{t('privacy.erase')}</span> },
          ],
          onClick: ({ key }) => {
            if (key === 'erase') setOpen(true);
          },
        }}
      >
        <Button icon={<UserDeleteOutlined />} data-testid="privacy-menu">
          {t('privacy.menu')}
        </Button>
      </Dropdown>
      <Modal
        open={open}
        title={t('privacy.eraseTitle')}
        onCancel={close}
        onOk={() => void erase()}
        okText={t('privacy.eraseConfirm')}
        okButtonProps={{ danger: true, disabled: typed !== name || !reason.trim(), loading: busy, 'data-testid': 'privacy-erase-ok' } as never}
        destroyOnHidden
      >
        <Typography.Paragraph>{t('privacy.eraseWarning')}</Typography.Paragraph>
        <Typography.Paragraph>{t('privacy.typeName', { name })}</Typography.Paragraph>
        <Input value={typed} onChange={(e) => setTyped(e.target.value)} data-testid="privacy-erase-name" aria-label={t('privacy.typeNameLabel')} />
        <Typography.Paragraph style={{ marginTop: 12, marginBottom: 4 }}>{t('privacy.reason')}</Typography.Paragraph>
        <Input.TextArea value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} data-testid="privacy-erase-reason" aria-label={t('privacy.reason')} />
      </Modal>
    </>
  );
}
