/** 设置 › 配置包 的中文文案（与 config-packages-en.ts 的键一一对应）。 */
import type { ConfigPackagesKey } from './config-packages-en';

const configPackagesZhCN: Record<ConfigPackagesKey, string> = {
  'setup.nav.configPackages': '配置包',
  'configPkg.title': '配置包',
  'configPkg.help':
    '把定制从沙箱迁移到生产：下载本公司的对象、规则、列表视图、流程、审批、报表、仪表盘和模板作为配置包，再在另一家公司上传，先比较将发生的变更再安装。业务记录、用户和密钥不会随包迁移。',
  'configPkg.download': '下载配置包',
  'configPkg.downloaded': '配置包已下载',
  'configPkg.upload': '选择配置包文件…',
  'configPkg.force': '覆盖本公司已修改的项目',
  'configPkg.preview': '比较',
  'configPkg.install': '安装',
  'configPkg.installed': '配置包 {name} 已安装',
  'configPkg.nothing': '本公司已包含配置包中的全部内容。',
  'configPkg.refused': '配置包无法按原样安装，未做任何更改。',
  'configPkg.file': '文件：{name}',
  'configPkg.col.item': '项目',
  'configPkg.col.kind': '类型',
  'configPkg.col.action': '结果',
  'configPkg.col.details': '详情',
  'configPkg.action.create': '新增',
  'configPkg.action.update': '更新',
  'configPkg.action.conflict': '冲突（保留本公司）',
  'configPkg.action.blocked': '无法应用',
  'configPkg.action.unchanged': '无变化',
  'configPkg.kind.object': '对象',
  'configPkg.kind.report_folder': '报表文件夹',
  'configPkg.kind.report': '报表',
  'configPkg.kind.dashboard': '仪表盘',
  'configPkg.kind.list_view': '列表视图',
  'configPkg.kind.flow': '流程',
  'configPkg.kind.approval': '审批流程',
  'configPkg.kind.document_template': '单据模板',
  'configPkg.kind.template': '模板',
  'configPkg.counts': '新增 {create} 项，更新 {update} 项，冲突 {conflict} 项，无法应用 {blocked} 项',
};

export default configPackagesZhCN;
