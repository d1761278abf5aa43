import '../../i18n/config-packages';
import { CloudDownloadOutlined, DiffOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Space, Table, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { errorMessage } from '../../components/Status';
import { useI18n, type MessageKey } from '../../i18n';
import { canInstall, configPackageApi, countActions, isKnownKind, refusedDiff, sortedEntries, type DiffAction, type DiffEntry, type PackageDiff } from './configPackages';

const ACTION_COLORS: Record<DiffAction, string> = {
  create: 'green',
  update: 'blue',
  conflict: 'orange',
  blocked: 'red',
  unchanged: 'default',
};

/**
 * Setup › Configuration packages: download this company's customisations as a package file;
 * upload one from another company (a sandbox), compare it with this one — a table of what is
 * new, what changes, what this company changed itself (kept unless overwriting is ticked) and
 * what cannot apply — then install it, all or nothing. Only administrators reach Setup, and
 * the server refuses everyone else as well.
 */
export default function ConfigPackagesPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [force, setForce] = useState(false);
  const [diff, setDiff] = useState<PackageDiff | null>(null);
  const [busy, setBusy] = useState<'download' | 'preview' | 'install' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (what: 'download' | 'preview' | 'install', action: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await action();
    } catch (e) {
      const refused = refusedDiff(e);
      if (refused) setDiff(refused);
      else setError(errorMessage(e, t));
    } finally {
      setBusy(null);
    }
  };

  const compare = (chosen: File, overwrite: boolean) =>
    run('preview', async () => {
      setDiff(await configPackageApi.preview(chosen, overwrite));
    });

  const pick = (chosen: File | undefined) => {
    if (!chosen) return;
    setFile(chosen);
    setDiff(null);
    void compare(chosen, force);
  };

  const install = () =>
    file &&
    run('install', async () => {
      const done = await configPackageApi.install(file, force);
      setDiff(done);
      message.success(t('configPkg.installed', { name: done.package }));
    });

  const counts = diff ? countActions(diff) : null;
  const blocked = diff ? diff.refused.length > 0 || (counts?.blocked ?? 0) > 0 : false;
  const columns = [
    {
      title: t('configPkg.col.kind'),
      dataIndex: 'kind',
      width: 160,
      render: (kind: string) => (isKnownKind(kind) ? t(`configPkg.kind.${kind}` as MessageKey) : kind),
    },
    { title: t('configPkg.col.item'), dataIndex: 'key', render: (key: string) => <Typography.Text code>{key}</Typography.Text> },
    {
      title: t('configPkg.col.action'),
      dataIndex: 'action',
      width: 150,
      render: (action: DiffAction) => <Tag color={ACTION_COLORS[action]}>{t(`configPkg.action.${action}` as MessageKey)}</Tag>,
    },
    {
      title: t('configPkg.col.details'),
      key: 'details',
      render: (_: unknown, entry: DiffEntry) => (
        <div>
          {entry.reason && <div className="ky-page-sub">{entry.reason}</div>}
          {entry.changes.map((change) => (
            <div key={change}>{change}</div>
          ))}
        </div>
      ),
    },
  ];

  return (
    <div className="ky-setup-panel" data-testid="config-packages-page">
      <div className="ky-setup-toolbar">
        <h2>{t('configPkg.title')}</h2>
        <Button icon={<CloudDownloadOutlined />} loading={busy === 'download'} data-testid="config-package-download" onClick={() => void run('download', async () => { await configPackageApi.download(); message.success(t('configPkg.downloaded')); })}>
          {t('configPkg.download')}
        </Button>
      </div>
      <p className="ky-page-sub">{t('configPkg.help')}</p>
      <Space wrap size={12} style={{ marginBottom: 16 }}>
        <input ref={fileInput} type="file" accept=".zip,application/zip" hidden data-testid="config-package-file" onChange={(e) => pick(e.target.files?.[0])} />
        <Button icon={<UploadOutlined />} loading={busy === 'preview'} onClick={() => fileInput.current?.click()}>
          {t('configPkg.upload')}
        </Button>
        {file && <span data-testid="config-package-name">{t('configPkg.file', { name: file.name })}</span>}
        <Checkbox
          checked={force}
          data-testid="config-package-force"
          onChange={(e) => {
            setForce(e.target.checked);
            if (file) void compare(file, e.target.checked);
          }}
        >
          {t('configPkg.force')}
        </Checkbox>
        <Button icon={<DiffOutlined />} type="primary" disabled={!diff || !canInstall(diff) || diff.applied} loading={busy === 'install'} data-testid="config-package-install" onClick={() => void install()}>
          {t('configPkg.install')}
        </Button>
      </Space>
      {error && <Alert type="error" showIcon message={error} data-testid="config-package-error" style={{ marginBottom: 16 }} />}
      {diff && counts && (
        <>
          {blocked && <Alert type="error" showIcon message={t('configPkg.refused')} description={diff.refused.join(' ')} data-testid="config-package-refused" style={{ marginBottom: 12 }} />}
          {!blocked && counts.create + counts.update === 0 && <Alert type="info" showIcon message={t('configPkg.nothing')} style={{ marginBottom: 12 }} />}
          <p data-testid="config-package-counts">{t('configPkg.counts', { create: counts.create, update: counts.update, conflict: counts.conflict, blocked: counts.blocked })}</p>
          <Table<DiffEntry> rowKey={(e) => `${e.kind}:${e.key}`} size="small" pagination={false} columns={columns} dataSource={sortedEntries(diff)} data-testid="config-package-diff" />
        </>
      )}
    </div>
  );
}
