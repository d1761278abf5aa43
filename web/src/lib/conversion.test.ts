import { describe, expect, it } from 'vitest';
import type { ObjectMeta, RecordData } from '../api/types';
import { candidatesOf, conversionBody, initialConversion } from './conversion';

const meta = (name: string, fields: string[]): ObjectMeta => ({ name, labels: { en: name }, name_field: 'name', fields: fields.map((f) => ({ name: f, type: 'text', labels: { en: f } })) as ObjectMeta['fields'] });
const LEAD: RecordData = { id: 'L1', name: '王伟', company: '杭州云帆科技有限公司', mobile: '13800000000', email: 'wang@yunfan.cn', title: '采购经理', city: '杭州', industry: 'it', phone: null };
const META = { account: meta('account', ['name', 'industry', 'city', 'phone']), contact: meta('contact', ['name', 'mobile', 'email', 'title']) };

describe('lead conversion', () => {
  it('creates new account, contact and opportunity from the lead when nothing matches', () => {
    const s = initialConversion(LEAD, { accounts: [], contacts: [] });
    expect(s.account).toEqual({ mode: 'new', id: null, name: '杭州云帆科技有限公司' });
    expect(s.contact).toEqual({ mode: 'new', id: null, name: '王伟' });
    const body = conversionBody(LEAD, { ...s, opportunity: { create: true, name: '云帆 CRM', amount: ' 120000.50 ', close_date: '2027-03-31' } }, META);
    expect(body).toEqual({
      create_account: { name: '杭州云帆科技有限公司', industry: 'it', city: '杭州' },
      create_contact: { name: '王伟', mobile: '13800000000', email: 'wang@yunfan.cn', title: '采购经理' },
      opportunity: { name: '云帆 CRM', amount: '120000.50', close_date: '2027-03-31' },
    });
  });

  it('picks the best candidates, sends their ids, and no opportunity when unticked', () => {
    const s = initialConversion(LEAD, {
      accounts: [{ id: 'A1', name: '杭州云帆科技', reasons: ['company_name'] }],
      contacts: [{ id: 'C1', name: '王伟', reasons: ['mobile', 'email'] }],
    });
    expect(s.account).toMatchObject({ mode: 'existing', id: 'A1' });
    const body = conversionBody(LEAD, { ...s, opportunity: { ...s.opportunity, create: false }, confirm: true }, META);
    expect(body).toEqual({ account_id: 'A1', contact_id: 'C1', confirm: true });
  });

  it('reads the candidates of a 409 duplicates_found', () => {
    expect(candidatesOf({ code: 'duplicates_found', accounts: [{ id: 'A1', name: 'x', reasons: ['credit_code'] }] })).toEqual({
      accounts: [{ id: 'A1', name: 'x', reasons: ['credit_code'] }],
      contacts: [],
    });
    expect(candidatesOf({ code: 'duplicates_found', candidates: { accounts: [], contacts: [{ id: 'C1', name: 'y', reasons: [] }] } })?.contacts).toHaveLength(1);
    expect(candidatesOf({ code: 'other' })).toBeNull();
  });
});
