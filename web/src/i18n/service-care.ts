/**
 * Registers the survey page's and the technician's day's strings (imported for its side
 * effect by those screens, which load on demand): see service-care-en.ts.
 */
import { registerMessages } from './index';
import serviceCareEn from './service-care-en';
import serviceCareZhCN from './service-care-zh-CN';

registerMessages({ en: serviceCareEn, 'zh-CN': serviceCareZhCN });
