/**
 * English strings of the campaign page's summary strip and member funnel and of an expense's
 * receipts (marketing package),
 * registered by i18n/marketing-campaigns.ts when the campaign page loads them; every key must
 * exist in marketing-campaigns-zh-CN.ts.
 */
const marketingCampaignsEn = {
  'campaign.summary.title': 'Campaign results',
  'campaign.summary.firstTouch': 'Won amount, cost per lead and ROI count opportunities and leads by first touch.',
  'campaign.funnel.title': 'Member funnel',
  'campaign.funnel.empty': 'No members yet',
  'campaign.funnel.reached': '{count} reached',
  'campaign.funnel.atStatus': '{count} at this status',
  'campaign.funnel.failed': 'Could not load the members.',
  'expense.receipts.title': 'Receipts',
  'expense.receipts.attach': 'Attach receipt',
  'expense.receipts.empty': 'No receipts yet',
  'expense.receipts.size': '{kb} KB',
  'expense.receipts.attached': 'Receipt attached',
  'expense.receipts.invalid': 'A receipt is a PDF, PNG or JPEG file of at most 5 MB.',
  'expense.receipts.failed': 'The receipt could not be saved or opened. Try again.',
} as const;

export type MarketingCampaignsKey = keyof typeof marketingCampaignsEn;
export default marketingCampaignsEn;
