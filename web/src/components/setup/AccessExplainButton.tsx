import { SafetyCertificateOutlined } from '@ant-design/icons';
import { Button, Drawer } from 'antd';
import { lazy, Suspense, useState } from 'react';
import type { ObjectMeta } from '../../api/types';
import { useI18n } from '../../i18n';
import { useSession } from '../../state/session';
import { FullPageSpinner } from '../Status';

const AccessPanel = lazy(() => import('./AccessPanel'));

/**
 * "Who can access" on a record page, for administrators only: a button that opens the access
 * explanation. The panel itself loads on first open.
 */
export function AccessExplainButton({ object, id }: { object: ObjectMeta; id: string }) {
  const { t } = useI18n();
  const { session } = useSession();
  const [open, setOpen] = useState(false);
  if (!session?.user.is_admin) return null;
  return (
    <>
      <Button icon={<SafetyCertificateOutlined />} onClick={() => setOpen(true)} data-testid="access-explain">
        {t('setup.access.button')}
      </Button>
      <Drawer open={open} onClose={() => setOpen(false)} width={520} title={t('setup.access.title')} destroyOnHidden>
        {open && (
          <Suspense fallback={<FullPageSpinner />}>
            <AccessPanel object={object} id={id} />
          </Suspense>
        )}
      </Drawer>
    </>
  );
}
