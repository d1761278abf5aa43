import type { MarketingCampaignsKey } from './marketing-campaigns-en';

/** 市场活动页面的成效概览与成员漏斗、营销费用票据的简体中文文字，键与 marketing-campaigns-en.ts 完全一致。 */
const marketingCampaignsZhCN: Record<MarketingCampaignsKey, string> = {
  'campaign.summary.title': '活动成效',
  'campaign.summary.firstTouch': '赢单金额、单条线索成本和投资回报率按首次触达统计商机与线索。',
  'campaign.funnel.title': '成员漏斗',
  'campaign.funnel.empty': '暂无活动成员',
  'campaign.funnel.reached': '累计 {count} 人',
  'campaign.funnel.atStatus': '当前状态 {count} 人',
  'campaign.funnel.failed': '无法加载活动成员。',
  'expense.receipts.title': '票据',
  'expense.receipts.attach': '上传票据',
  'expense.receipts.empty': '暂无票据',
  'expense.receipts.size': '{kb} KB',
  'expense.receipts.attached': '票据已上传',
  'expense.receipts.invalid': '票据须为不超过 5 MB 的 PDF、PNG 或 JPEG 文件。',
  'expense.receipts.failed': '票据保存或打开失败，请重试。',
};

export default marketingCampaignsZhCN;
