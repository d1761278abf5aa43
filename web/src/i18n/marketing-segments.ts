/**
 * Registers the segment builder's strings (imported for its side effect by the modules that
 * use them, which are loaded on demand): see marketing-segments-en.ts.
 */
import { registerMessages } from './index';
import marketingSegmentsEn from './marketing-segments-en';
import marketingSegmentsZhCN from './marketing-segments-zh-CN';

registerMessages({ en: marketingSegmentsEn, 'zh-CN': marketingSegmentsZhCN });
