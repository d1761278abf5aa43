import type { ServiceMailKey } from './service-mail-en';

/** Chinese strings of the email-to-case screens: the same keys as service-mail-en.ts. */
const serviceMailZhCN: Record<ServiceMailKey, string> = {
  'setup.nav.serviceMailboxes': '服务邮箱',
  'serviceMail.title': '服务邮箱',
  'serviceMail.help':
    '发往队列邮箱地址的邮件会生成该队列的工单；回复通过服务器的 SMTP 中继从该地址发出。请为每个队列配置接收其邮件的 IMAP 邮箱。',
  'serviceMail.notInstalled': '本公司尚未安装客户服务模块。',
  'serviceMail.noQueues': '还没有队列：请先创建队列（客户服务 › 服务队列）。',
  'serviceMail.queue': '队列',
  'serviceMail.address': '队列邮箱',
  'serviceMail.noAddress': '未设置地址：请在队列记录上填写队列邮箱。',
  'serviceMail.status': '状态',
  'serviceMail.notSet': '未配置',
  'serviceMail.ok': '已于 {time} 读取',
  'serviceMail.neverRead': '尚未读取',
  'serviceMail.failing': '读取失败：{error}',
  'serviceMail.off': '已停用',
  'serviceMail.configure': '配置',
  'serviceMail.edit': '编辑',
  'serviceMail.formTitle': '{queue} 的邮箱',
  'serviceMail.host': 'IMAP 服务器',
  'serviceMail.port': '端口',
  'serviceMail.tls': 'TLS（SSL）',
  'serviceMail.username': '用户名',
  'serviceMail.password': '密码',
  'serviceMail.passwordKeep': '留空则保留已保存的密码',
  'serviceMail.folder': '文件夹',
  'serviceMail.active': '读取此邮箱',
  'serviceMail.save': '保存',
  'serviceMail.saved': '邮箱已保存',
  'serviceMail.test': '测试连接',
  'serviceMail.testOk': '连接成功：文件夹中有 {count} 封邮件',
  'serviceMail.testFailed': '连接失败：{error}',
  'serviceMail.remove': '移除邮箱',
  'serviceMail.removeConfirm': '停止读取此邮箱？已生成的工单会保留。',
  'serviceMail.removed': '邮箱已移除',
  'serviceMail.required': '必填',
  'serviceMail.readNow': '立即读取',
  'serviceMail.readDone': '已读取 {read} 封邮件：新建工单 {cases} 个，回复 {replies} 条',
};

export default serviceMailZhCN;
