/**
 * Registers the web forms' strings (imported for its side effect by the public form page and
 * the form builder, which load on demand): see marketing-forms-en.ts.
 */
import { registerMessages } from './index';
import marketingFormsEn from './marketing-forms-en';
import marketingFormsZhCN from './marketing-forms-zh-CN';

registerMessages({ en: marketingFormsEn, 'zh-CN': marketingFormsZhCN });
