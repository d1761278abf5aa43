/**
 * English strings of the web forms: the public form page (/f/:key) and the form builder on a
 * web form's record page, registered by i18n/marketing-forms.ts when those screens load; every
 * key must exist in marketing-forms-zh-CN.ts.
 */
const marketingFormsEn = {
  'webform.page.title': 'Form',
  'webform.language': 'Language',
  'webform.submit': 'Submit',
  'webform.required': 'Please fill in {field}',
  'webform.consentRequired': 'Please tick the box to continue',
  'webform.invalidEmail': 'Enter a valid email address',
  'webform.thanks': 'Thank you!',
  'webform.notFound': 'This form does not exist or no longer accepts submissions',
  'webform.rateLimited': 'Too many submissions: please wait a minute and try again',
  'webform.failed': 'Could not send the form. Check the connection and try again.',
  'webform.select': 'Choose…',
  'webform.yes': 'Yes',
  'webform.builder.title': 'Form builder',
  'webform.builder.fields': 'Fields on the form',
  'webform.builder.add': 'Add a field',
  'webform.builder.required': 'Required',
  'webform.builder.labelZh': 'Label (Chinese)',
  'webform.builder.labelEn': 'Label (English)',
  'webform.builder.remove': 'Remove',
  'webform.builder.up': 'Move up',
  'webform.builder.down': 'Move down',
  'webform.builder.save': 'Save fields',
  'webform.builder.saved': 'Form fields saved',
  'webform.builder.needName': 'Every lead needs a name: keep "{field}" on the form, required.',
  'webform.builder.preview': 'Preview',
  'webform.builder.previewNote': 'Preview: submitting is off here.',
  'webform.builder.publish': 'Publish',
  'webform.builder.link': 'Public link',
  'webform.builder.iframe': 'Embed with an iframe',
  'webform.builder.script': 'Embed with a script',
  'webform.builder.copy': 'Copy',
  'webform.builder.copied': 'Copied',
  'webform.builder.inactive': 'This form is not accepting submissions: its public link answers "not found".',
  'webform.builder.utmHint': 'Add utm_source, utm_medium, utm_campaign, utm_term or utm_content to the link: they are recorded on the lead.',
  'webform.builder.submissions': '{count} submissions',
} as const;

export type MarketingFormsKey = keyof typeof marketingFormsEn;
export default marketingFormsEn;
