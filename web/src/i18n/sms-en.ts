/**
 * English strings of Setup › SMS, registered by i18n/sms.ts when the screen loads; every key
 * must exist in sms-zh-CN.ts.
 */
const smsEn = {
  'setup.nav.sms': 'SMS',
  'sms.title': 'SMS provider',
  'sms.help':
    'Marketing SMS and SMS actions send through this provider. China’s SMS services send approved templates under an approved sign name: create them in the provider’s console first. The key secret is stored encrypted and never shown again.',
  'sms.provider': 'Provider',
  'sms.provider.log': 'Development (log only, sends nothing)',
  'sms.provider.aliyun': 'Alibaba Cloud SMS (阿里云短信)',
  'sms.provider.tencent': 'Tencent Cloud SMS (腾讯云短信)',
  'sms.accessKeyId.aliyun': 'AccessKey ID',
  'sms.accessKeyId.tencent': 'SecretId',
  'sms.secret.aliyun': 'AccessKey secret',
  'sms.secret.tencent': 'SecretKey',
  'sms.secretKept': 'Saved — leave empty to keep it',
  'sms.secretMissing': 'Not set',
  'sms.sdkAppId': 'SmsSdkAppId',
  'sms.signName': 'Default sign name',
  'sms.signNameHelp': 'The approved 【签名】; a template may name its own.',
  'sms.region': 'Region',
  'sms.baseUrl': 'Endpoint',
  'sms.baseUrlHelp': 'Leave empty for the provider’s standard endpoint.',
  'sms.keywords': 'Opt-out keywords',
  'sms.keywordsHelp': 'A reply that is one of these words sets “SMS opt-out” on every contact and lead with that number.',
  'sms.rate': 'Messages per minute',
  'sms.save': 'Save',
  'sms.saved': 'SMS settings saved',
  'sms.inbound': 'Reply callback URLs',
  'sms.inboundHelp': 'Give the provider this address for replies (Aliyun: 上行短信 HTTP 推送; Tencent: 短信回复回调) so opt-out keywords are honoured.',
  'sms.report': 'Delivery report callback URLs',
  'sms.reportHelp': 'Give the provider this address for delivery reports (Aliyun: 短信发送状态 HTTP 推送; Tencent: 短信下发状态回调) so campaigns count delivered messages.',
  'sms.test': 'Send a test message',
  'sms.testPhone': 'Mobile number',
  'sms.testTemplate': 'Template code',
  'sms.testParams': 'Parameters',
  'sms.testParamsHelp': 'One per line: name=value (Tencent: 1=value, 2=value …)',
  'sms.testSend': 'Send test',
  'sms.testOk': 'The provider accepted the message (id {id}).',
  'sms.testFailed': 'The provider did not accept the message: {error}',
  'sms.lastTest': 'Last test: {status} {time}',
  'sms.lastTest.sent': 'accepted',
  'sms.lastTest.failed': 'failed',
  'sms.paramsInvalid': 'Write each parameter as name=value on its own line.',
} as const;

export type SmsKey = keyof typeof smsEn;
export default smsEn;
