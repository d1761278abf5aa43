/**
 * Registers the campaign page's strings (imported for its side effect by the campaign summary,
 * which is loaded on demand): see marketing-campaigns-en.ts.
 */
import { registerMessages } from './index';
import marketingCampaignsEn from './marketing-campaigns-en';
import marketingCampaignsZhCN from './marketing-campaigns-zh-CN';

registerMessages({ en: marketingCampaignsEn, 'zh-CN': marketingCampaignsZhCN });
