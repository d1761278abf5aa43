/**
 * English strings of the email-to-case screens (Setup › Service mailboxes), registered by
 * i18n/service-mail.ts when those screens load; every key must exist in service-mail-zh-CN.ts.
 */
const serviceMailEn = {
  'setup.nav.serviceMailboxes': 'Service mailboxes',
  'serviceMail.title': 'Service mailboxes',
  'serviceMail.help':
    'Mail to a queue’s address becomes a case in that queue; replies go out from it through the server’s SMTP relay. Give each queue the IMAP mailbox that receives its mail.',
  'serviceMail.notInstalled': 'This company has not installed the customer service package.',
  'serviceMail.noQueues': 'No queues yet: create a queue first (Customer service › Queues).',
  'serviceMail.queue': 'Queue',
  'serviceMail.address': 'Mailbox address',
  'serviceMail.noAddress': 'No address: set the queue’s mailbox address on the queue record.',
  'serviceMail.status': 'Status',
  'serviceMail.notSet': 'Not set up',
  'serviceMail.ok': 'Read {time}',
  'serviceMail.neverRead': 'Not read yet',
  'serviceMail.failing': 'Failing: {error}',
  'serviceMail.off': 'Switched off',
  'serviceMail.configure': 'Set up',
  'serviceMail.edit': 'Edit',
  'serviceMail.formTitle': 'Mailbox of {queue}',
  'serviceMail.host': 'IMAP server',
  'serviceMail.port': 'Port',
  'serviceMail.security': 'Security',
  'serviceMail.security.ssl': 'SSL/TLS',
  'serviceMail.security.starttls': 'STARTTLS',
  'serviceMail.security.none': 'None (plain text)',
  'serviceMail.username': 'User name',
  'serviceMail.password': 'Password',
  'serviceMail.passwordKeep': 'Leave empty to keep the saved password',
  'serviceMail.folder': 'Folder',
  'serviceMail.active': 'Read this mailbox',
  'serviceMail.save': 'Save',
  'serviceMail.saved': 'Mailbox saved',
  'serviceMail.test': 'Test connection',
  'serviceMail.testOk': 'Connected: {count} mails in the folder',
  'serviceMail.testFailed': 'Connection failed: {error}',
  'serviceMail.remove': 'Remove mailbox',
  'serviceMail.removeConfirm': 'Stop reading this mailbox? Cases already made stay.',
  'serviceMail.removed': 'Mailbox removed',
  'serviceMail.required': 'Required',
  'serviceMail.readNow': 'Read now',
  'serviceMail.readDone': 'Mails read: {read} · new cases: {cases} · replies: {replies}',
  'serviceMail.send.pending': 'Sending',
  'serviceMail.send.failed': 'Not sent',
  'serviceMail.send.retry': 'Send again',
  'serviceMail.send.error.smtp_not_configured': 'No mail server (SMTP) is set up for sending.',
  'serviceMail.send.error.no_recipient': 'The customer has no email address.',
};

export type ServiceMailKey = keyof typeof serviceMailEn;
export default serviceMailEn;
