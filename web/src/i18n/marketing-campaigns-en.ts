/**
 * English strings of the campaign page's summary strip and member funnel (marketing package),
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
} as const;

export type MarketingCampaignsKey = keyof typeof marketingCampaignsEn;
export default marketingCampaignsEn;
