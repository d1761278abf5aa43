/**
 * English strings of Setup › Configuration packages, registered by i18n/config-packages.ts
 * when the screen loads; every key must exist in config-packages-zh-CN.ts.
 */
const configPackagesEn = {
  'setup.nav.configPackages': 'Configuration packages',
  'configPkg.title': 'Configuration packages',
  'configPkg.help':
    'Move customisations from a sandbox to production: download this company’s objects, rules, list views, flows, approvals, reports, dashboards and templates as a package, then upload it in the other company to see what would change before installing. Records, users and secrets never travel.',
  'configPkg.download': 'Download package',
  'configPkg.downloaded': 'Package downloaded',
  'configPkg.upload': 'Choose package file…',
  'configPkg.force': 'Overwrite items changed in this company',
  'configPkg.preview': 'Compare',
  'configPkg.install': 'Install',
  'configPkg.installed': 'Package {name} installed',
  'configPkg.nothing': 'This company already has everything in the package.',
  'configPkg.refused': 'The package cannot be installed as it is; nothing was changed.',
  'configPkg.file': 'File: {name}',
  'configPkg.col.item': 'Item',
  'configPkg.col.kind': 'Kind',
  'configPkg.col.action': 'Result',
  'configPkg.col.details': 'Details',
  'configPkg.action.create': 'New',
  'configPkg.action.update': 'Update',
  'configPkg.action.conflict': 'Conflict (kept)',
  'configPkg.action.blocked': 'Cannot apply',
  'configPkg.action.unchanged': 'Unchanged',
  'configPkg.kind.object': 'Object',
  'configPkg.kind.report_folder': 'Report folder',
  'configPkg.kind.report': 'Report',
  'configPkg.kind.dashboard': 'Dashboard',
  'configPkg.kind.list_view': 'List view',
  'configPkg.kind.flow': 'Flow',
  'configPkg.kind.approval': 'Approval process',
  'configPkg.kind.document_template': 'Document template',
  'configPkg.kind.template': 'Template',
  'configPkg.counts': '{create} new, {update} to update, {conflict} conflicts, {blocked} cannot apply',
} as const;

export type ConfigPackagesKey = keyof typeof configPackagesEn;
export default configPackagesEn;
