#!/usr/bin/env node
/**
 * A small in-memory stand-in for the Keyi API (docs/api.md), for front-end work and
 * screenshots while the real server is not running. Not used by the product.
 *
 *   node scripts/mock-api.mjs [port]        (default 8787)
 *   KEYI_API=http://127.0.0.1:8787 npm run dev
 *
 * Logins: demo@keyi.dev / demo (one workspace), multi@keyi.dev / demo (two → 409 picker).
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const port = Number(process.argv[2] || process.env.PORT || 8787);
const L = (en, zh) => ({ en, 'zh-CN': zh });
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const SYSTEM = [
  ['id', 'text', L('ID', 'ID')],
  ['version', 'integer', L('Version', '版本')],
  ['created_at', 'datetime', L('Created', '创建时间')],
  ['updated_at', 'datetime', L('Last modified', '修改时间')],
  ['created_by', 'lookup', L('Created by', '创建人'), { target: 'user' }],
  ['updated_by', 'lookup', L('Modified by', '修改人'), { target: 'user' }],
  ['owner_id', 'owner', L('Owner', '负责人'), { target: 'user' }],
].map(([name, type, labels, extra]) => F(name, type, labels, { read_only: true, ...(extra || {}) }));

function F(name, type, labels, extra = {}) {
  return {
    name, type, labels, help: null, required: false, unique: false, read_only: false, default: null,
    options: null, target: null, expression: null, pattern: null, return_type: null, max_length: null,
    precision: null, scale: null, ...extra,
  };
}
const opt = (value, en, zh, color) => ({ value, labels: L(en, zh), ...(color ? { color } : {}) });

const OBJECTS = [
  {
    name: 'account', labels: L('Account', '客户'), plural_labels: L('Accounts', '客户'), name_field: 'name', icon: 'bank', custom: false,
    features: { owner: true, activities: true, search: true },
    fields: [
      F('name', 'text', L('Account name', '客户名称'), { required: true, max_length: 200 }),
      F('grade', 'picklist', L('Grade', '客户等级'), { options: [opt('A', 'A (key)', 'A 重点', 'red'), opt('B', 'B', 'B 普通', 'blue'), opt('C', 'C', 'C 一般', 'default')] }),
      F('industry', 'picklist', L('Industry', '行业'), { options: [opt('manufacturing', 'Manufacturing', '制造业'), opt('it', 'IT & software', '信息技术'), opt('finance', 'Finance', '金融'), opt('retail', 'Retail', '零售'), opt('education', 'Education', '教育')] }),
      F('phone', 'phone', L('Phone', '电话')),
      F('website', 'url', L('Website', '网站')),
      F('city', 'text', L('City', '城市')),
      F('employees', 'integer', L('Employees', '员工人数')),
      F('annual_revenue', 'currency', L('Annual revenue', '年营业额'), { scale: 2 }),
      F('parent', 'lookup', L('Parent account', '上级客户'), { target: 'account' }),
      F('credit_code', 'text', L('Credit code', '统一社会信用代码'), { unique: true, help: L('18-character unified social credit code', '18 位统一社会信用代码') }),
      F('description', 'long_text', L('Description', '描述')),
      ...SYSTEM,
    ],
  },
  {
    name: 'contact', labels: L('Contact', '联系人'), plural_labels: L('Contacts', '联系人'), name_field: 'name', icon: 'contacts', custom: false,
    features: { owner: true, activities: true, search: true },
    fields: [
      F('name', 'text', L('Name', '姓名'), { required: true }),
      F('account', 'lookup', L('Account', '客户'), { target: 'account' }),
      F('title', 'text', L('Title', '职务')),
      F('mobile', 'phone', L('Mobile', '手机')),
      F('email', 'email', L('Email', '邮箱')),
      F('is_decision_maker', 'boolean', L('Decision maker', '关键决策人')),
      F('birthday', 'date', L('Birthday', '生日')),
      ...SYSTEM,
    ],
  },
  {
    name: 'opportunity', labels: L('Opportunity', '商机'), plural_labels: L('Opportunities', '商机'), name_field: 'name', icon: 'fund', custom: false,
    features: { owner: true, activities: true, search: true },
    fields: [
      F('name', 'text', L('Opportunity name', '商机名称'), { required: true }),
      F('account', 'master_detail', L('Account', '客户'), { target: 'account', required: true }),
      F('stage', 'picklist', L('Stage', '阶段'), { required: true, default: 'qualify', options: [opt('qualify', 'Qualify', '验证客户', 'blue'), opt('needs', 'Needs analysis', '需求分析', 'cyan'), opt('proposal', 'Proposal', '方案报价', 'purple'), opt('negotiation', 'Negotiation', '商务谈判', 'orange'), opt('won', 'Closed won', '赢单', 'green'), opt('lost', 'Closed lost', '输单', 'default')] }),
      F('amount', 'currency', L('Amount', '金额'), { scale: 2 }),
      F('probability', 'percent', L('Probability', '赢率')),
      F('close_date', 'date', L('Close date', '预计成交日期')),
      F('source', 'multi_picklist', L('Source', '来源'), { options: [opt('web', 'Website', '官网'), opt('referral', 'Referral', '转介绍'), opt('expo', 'Trade show', '展会'), opt('partner', 'Partner', '合作伙伴')] }),
      F('code', 'auto_number', L('Number', '商机编号'), { read_only: true, pattern: 'OPP-{0000}' }),
      F('weighted_amount', 'formula', L('Weighted amount', '加权金额'), { read_only: true, return_type: 'currency', expression: 'amount * probability / 100' }),
      F('next_step', 'long_text', L('Next step', '下一步')),
      ...SYSTEM,
    ],
  },
  {
    name: 'activity', labels: L('Activity', '跟进记录'), plural_labels: L('Activities', '跟进记录'), name_field: 'subject', icon: 'schedule', custom: false,
    features: { owner: true, activities: false, search: true },
    fields: [
      F('subject', 'text', L('Subject', '主题'), { required: true }),
      F('type', 'picklist', L('Type', '类型'), { options: [opt('task', 'Task', '任务'), opt('call', 'Call', '电话'), opt('visit', 'Visit', '拜访'), opt('note', 'Note', '备注'), opt('email', 'Email', '邮件')] }),
      F('due_date', 'date', L('Due date', '截止日期')),
      F('status', 'picklist', L('Status', '状态'), { options: [opt('open', 'Open', '未完成', 'gold'), opt('done', 'Done', '已完成', 'green')] }),
      F('description', 'long_text', L('Description', '详情')),
      F('related_object', 'text', L('Related object', '关联对象')),
      F('related_id', 'text', L('Related record', '关联记录')),
      ...SYSTEM,
    ],
  },
  {
    name: 'warranty', labels: L('Warranty', '保修'), plural_labels: L('Warranties', '保修'), name_field: 'serial_no', icon: 'safety-certificate', custom: true,
    features: { owner: true, activities: true, search: true },
    fields: [
      F('serial_no', 'text', L('Serial no.', '序列号'), { required: true }),
      F('account', 'lookup', L('Account', '客户'), { target: 'account' }),
      F('level', 'picklist', L('Level', '级别'), { options: [opt('gold', 'Gold', '金牌', 'gold'), opt('silver', 'Silver', '银牌')] }),
      F('expires_on', 'date', L('Expires on', '到期日')),
      ...SYSTEM,
    ],
  },
];

const USERS = [
  { id: 'u-zhang', name: '张伟', email: 'demo@keyi.dev', is_admin: true },
  { id: 'u-li', name: '李娜', email: 'lina@keyi.dev', is_admin: false },
  { id: 'u-wang', name: 'Wang Fang', email: 'wang@keyi.dev', is_admin: false },
];
const TENANT = { name: 'demo', label: '客易演示公司', currency: 'CNY', locale: 'zh-CN', time_zone: 'Asia/Shanghai' };

// ---------- data ----------
const db = Object.fromEntries(OBJECTS.map((o) => [o.name, new Map()]));
const history = new Map();
const deleted = Object.fromEntries(OBJECTS.map((o) => [o.name, new Map()]));
let seq = 1;
function insert(object, values, by = 'u-zhang', at) {
  const id = randomUUID();
  const ts = at || now();
  const rec = { id, version: 1, created_at: ts, updated_at: ts, created_by: by, updated_by: by, owner_id: by, ...values };
  if (object === 'opportunity') rec.code = `OPP-${String(seq++).padStart(4, '0')}`;
  db[object].set(id, rec);
  history.set(id, [{ id: randomUUID(), at: ts, by, by_name: userName(by), operation: 'create', changes: [] }]);
  return rec;
}
const userName = (id) => USERS.find((u) => u.id === id)?.name ?? id;

const companies = [
  ['华为技术有限公司', 'A', 'it', '深圳', 207000, 704200000000],
  ['比亚迪股份有限公司', 'A', 'manufacturing', '深圳', 570000, 602300000000],
  ['招商银行', 'A', 'finance', '深圳', 110000, 339100000000],
  ['纷享销客', 'B', 'it', '北京', 3000, 1200000000],
  ['三一重工', 'B', 'manufacturing', '长沙', 25000, 80800000000],
  ['新东方教育科技集团', 'B', 'education', '北京', 60000, 30000000000],
  ['永辉超市', 'C', 'retail', '福州', 110000, 90000000000],
  ['Acme Robotics Ltd.', 'B', 'manufacturing', 'Shanghai', 800, 250000000],
  ['Globex Software', 'C', 'it', 'Hangzhou', 120, 30000000],
  ['海尔智家', 'A', 'manufacturing', '青岛', 100000, 261400000000],
];
const owners = ['u-zhang', 'u-li', 'u-wang'];
const accounts = companies.map(([name, grade, industry, city, employees, rev], i) =>
  insert('account', {
    name, grade, industry, city, employees, annual_revenue: rev, annual_revenue_currency: 'CNY',
    phone: `+86 ${10 + i} 8888 ${1000 + i}`, website: `https://www.example${i}.cn`, parent: null,
    credit_code: `91440300${String(100000000 + i * 7919).slice(0, 9)}X`, description: i === 0 ? '全球领先的 ICT 基础设施和智能终端提供商。\n重点客户，年度框架协议。' : null,
  }, owners[i % 3], new Date(Date.now() - (30 - i) * 86400000).toISOString()),
);
const people = ['王强', '刘洋', '陈静', '杨磊', '赵敏', '黄丽', '周杰', '吴刚', 'Alice Chen', 'Bob Li', '孙悦', '马超'];
people.forEach((name, i) =>
  insert('contact', {
    name, account: accounts[i % accounts.length].id, title: ['采购总监', 'CIO', '总经理', 'IT 经理', 'Buyer'][i % 5],
    mobile: `+86 138 0000 ${String(1000 + i)}`, email: `user${i}@example.cn`, is_decision_maker: i % 3 === 0, birthday: `19${80 + (i % 15)}-0${1 + (i % 9)}-1${i % 9}`,
  }, owners[i % 3]),
);
const stages = ['qualify', 'needs', 'proposal', 'negotiation', 'won', 'lost'];
for (let i = 0; i < 75; i++) {
  const acc = accounts[i % accounts.length];
  const stage = stages[i % stages.length];
  const amount = Math.round((50000 + ((i * 7919) % 950000)) / 100) * 100;
  const prob = { qualify: 10, needs: 25, proposal: 50, negotiation: 75, won: 100, lost: 0 }[stage];
  insert('opportunity', {
    name: `${acc.name.replace(/(股份)?有限公司|集团/g, '')} ${['CRM 项目', 'ERP 升级', '数据平台', '年度服务', '智能工厂'][i % 5]}${i > 9 ? ` #${i}` : ''}`,
    account: acc.id, stage, amount, amount_currency: i % 11 === 0 ? 'USD' : 'CNY', probability: prob,
    close_date: new Date(Date.now() + ((i % 13) - 4) * 7 * 86400000).toISOString().slice(0, 10),
    source: [['web'], ['referral', 'partner'], ['expo'], []][i % 4], next_step: i % 4 === 0 ? '安排高层拜访，确认预算' : null,
  }, owners[i % 3], new Date(Date.now() - (80 - i) * 3600000 * 9).toISOString());
}
[
  ['电话沟通预算', 'call', 'done', '客户确认 Q3 预算约 120 万。'],
  ['上门拜访 CIO', 'visit', 'done', '演示了移动端，客户对公海规则很感兴趣。'],
  ['发送报价单', 'task', 'open', null],
  ['客户背景备注', 'note', null, '集团下属 12 家子公司，分散采购。'],
].forEach(([subject, type, status, description], i) =>
  insert('activity', {
    subject, type, status, description, related_object: 'account', related_id: accounts[0].id,
    due_date: type === 'task' ? new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10) : null,
  }, owners[i % 2], new Date(Date.now() - (4 - i) * 3600000 * 20).toISOString()),
);
insert('warranty', { serial_no: 'SN-2024-0001', account: accounts[0].id, level: 'gold', expires_on: '2026-12-31' });

// ---------- helpers ----------
const meta = (name) => OBJECTS.find((o) => o.name === name);
const field = (o, name) => o.fields.find((f) => f.name === name);
function withDisplay(o, rec) {
  const d = {};
  for (const f of o.fields) {
    const v = rec[f.name];
    if (!v || !['lookup', 'master_detail', 'owner'].includes(f.type)) continue;
    if (f.target === 'user') d[f.name] = userName(v);
    else {
      const t = db[f.target]?.get(v);
      d[f.name] = t ? t[meta(f.target).name_field] : null;
    }
  }
  const out = { ...rec, _display: d };
  if (o.name === 'opportunity') out.weighted_amount = rec.amount != null && rec.probability != null ? Math.round(rec.amount * rec.probability) / 100 : null;
  return out;
}
function dayRange(value) {
  const t = new Date(); t.setHours(0, 0, 0, 0);
  const d = (x) => x.toISOString().slice(0, 10);
  const add = (x, n) => { const y = new Date(x); y.setDate(y.getDate() + n); return y; };
  const m = /^(last|next)_n_days:(\d+)$/.exec(value);
  if (m) return m[1] === 'last' ? [d(add(t, -Number(m[2]) + 1)), d(add(t, 1))] : [d(t), d(add(t, Number(m[2])))];
  const wd = (t.getDay() + 6) % 7;
  const q = Math.floor(t.getMonth() / 3) * 3;
  const map = {
    today: [t, add(t, 1)], yesterday: [add(t, -1), t], tomorrow: [add(t, 1), add(t, 2)],
    this_week: [add(t, -wd), add(t, 7 - wd)], last_week: [add(t, -wd - 7), add(t, -wd)],
    this_month: [new Date(t.getFullYear(), t.getMonth(), 1), new Date(t.getFullYear(), t.getMonth() + 1, 1)],
    last_month: [new Date(t.getFullYear(), t.getMonth() - 1, 1), new Date(t.getFullYear(), t.getMonth(), 1)],
    this_quarter: [new Date(t.getFullYear(), q, 1), new Date(t.getFullYear(), q + 3, 1)],
    last_quarter: [new Date(t.getFullYear(), q - 3, 1), new Date(t.getFullYear(), q, 1)],
    this_year: [new Date(t.getFullYear(), 0, 1), new Date(t.getFullYear() + 1, 0, 1)],
    last_year: [new Date(t.getFullYear() - 1, 0, 1), new Date(t.getFullYear(), 0, 1)],
  };
  return map[value] ? map[value].map(d) : null;
}
function getPath(o, rec, path) {
  const [first, ...rest] = path.split('.');
  if (!rest.length) return rec[first];
  const f = field(o, first);
  const target = f && db[f.target]?.get(rec[first]);
  return target ? getPath(meta(f.target), target, rest.join('.')) : null;
}
function matches(o, rec, node) {
  if (!node) return true;
  if (node.and) return node.and.every((n) => matches(o, rec, n));
  if (node.or) return node.or.some((n) => matches(o, rec, n));
  if (node.not) return !matches(o, rec, node.not);
  let v = getPath(o, rec, node.field);
  const { op } = node;
  let value = node.value;
  if (op === 'is_null') return value === false ? v != null && v !== '' && !(Array.isArray(v) && !v.length) : v == null || v === '' || (Array.isArray(v) && !v.length);
  const range = typeof value === 'string' ? dayRange(value) : null;
  if (range) {
    if (v == null) return op === 'ne';
    const s = String(v).slice(0, 10);
    const inside = s >= range[0] && s < range[1];
    return { eq: inside, ne: !inside, lt: s < range[0], lte: s < range[1], gt: s >= range[1], gte: s >= range[0] }[op];
  }
  if (op === 'contains') return Array.isArray(v) ? v.includes(value) : String(v ?? '').toLowerCase().includes(String(value).toLowerCase());
  if (op === 'starts_with') return String(v ?? '').toLowerCase().startsWith(String(value).toLowerCase());
  if (op === 'in') return value.includes(v);
  if (op === 'between') return v != null && v >= value[0] && v <= value[1];
  if (op === 'ne') return v !== value;
  if (v == null) return false;
  return { eq: v === value, lt: v < value, lte: v <= value, gt: v > value, gte: v >= value }[op];
}
function query(o, { filter, sort, q, limit = 50, cursor }) {
  let rows = [...db[o.name].values()].filter((r) => matches(o, r, filter));
  if (q) {
    const needle = q.toLowerCase();
    rows = rows.filter((r) => o.fields.some((f) => ['text', 'email', 'phone', 'auto_number'].includes(f.type) && String(r[f.name] ?? '').toLowerCase().includes(needle)));
  }
  const specs = sort?.length ? sort : [{ field: 'created_at', direction: 'desc' }];
  rows.sort((a, b) => {
    for (const s of specs) {
      const x = getPath(o, a, s.field), y = getPath(o, b, s.field);
      if (x === y) continue;
      if (x == null) return 1;
      if (y == null) return -1;
      const c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN');
      return s.direction === 'desc' ? -c : c;
    }
    return a.id < b.id ? -1 : 1;
  });
  const offset = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
  const page = rows.slice(offset, offset + Math.min(Number(limit) || 50, 200));
  const next = offset + page.length < rows.length ? Buffer.from(String(offset + page.length)).toString('base64url') : null;
  return { records: page.map((r) => withDisplay(o, r)), next_cursor: next };
}

// ---------- HTTP ----------
const sessions = new Map();
function send(res, status, body, headers = {}) {
  const isProblem = status >= 400;
  res.writeHead(status, { 'Content-Type': isProblem ? 'application/problem+json' : 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
const zh = (req) => String(req.headers['accept-language'] || '').startsWith('zh');
function problem(res, req, status, code, en, cn, extra = {}) {
  send(res, status, { type: 'about:blank', title: en, status, detail: zh(req) ? cn : en, code, ...extra });
}
function cookies(req) {
  return Object.fromEntries(String(req.headers.cookie || '').split(';').map((c) => c.trim().split('=')).filter((p) => p[0]));
}
async function readBody(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data ? JSON.parse(data) : {};
}
function validate(req, o, values, partial) {
  const errors = [];
  for (const f of o.fields) {
    if (f.read_only) continue;
    const v = values[f.name];
    if (!partial && f.required && (v == null || v === '')) errors.push({ field: f.name, code: 'required', message: zh(req) ? `${f.labels['zh-CN']}不能为空` : `${f.labels.en} is required` });
    if (partial && f.required && f.name in values && (v == null || v === '')) errors.push({ field: f.name, code: 'required', message: zh(req) ? `${f.labels['zh-CN']}不能为空` : `${f.labels.en} is required` });
    if (v != null && ['currency', 'decimal', 'integer', 'percent'].includes(f.type) && (typeof v !== 'number' || v < 0)) errors.push({ field: f.name, code: 'invalid_number', message: zh(req) ? `${f.labels['zh-CN']}必须是非负数` : `${f.labels.en} must be a non-negative number` });
    if (v && f.type === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) errors.push({ field: f.name, code: 'invalid_email', message: zh(req) ? '邮箱格式不正确' : 'Not a valid email address' });
  }
  return errors;
}

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  const method = req.method;
  const c = cookies(req);
  const session = sessions.get(c.keyi_session);
  try {
    if (path === '/api/v1/auth/login' && method === 'POST') {
      const body = await readBody(req);
      const user = USERS.find((u) => u.email === body.email) || (body.email === 'multi@keyi.dev' ? USERS[0] : null);
      if (!user || body.password !== 'demo') return problem(res, req, 401, 'invalid_credentials', 'Wrong email or password', '邮箱或密码错误');
      if (body.email === 'multi@keyi.dev' && !body.tenant) return problem(res, req, 409, 'tenant_required', 'Choose a workspace', '请选择工作空间', { tenants: ['demo', 'demo-cn-east'] });
      const sid = randomUUID(), csrf = randomUUID();
      sessions.set(sid, { user, csrf });
      return send(res, 200, { token: sid, user, tenant: TENANT }, {
        'Set-Cookie': [`keyi_session=${sid}; HttpOnly; SameSite=Lax; Path=/`, `keyi_csrf=${csrf}; SameSite=Lax; Path=/`],
      });
    }
    const bump = /^\/__bump\/(\w+)\/([^/]+)$/.exec(path);
    if (bump) {
      // simulates a concurrent edit by someone else (for trying the 412 flow)
      const r = db[bump[1]]?.get(bump[2]);
      if (!r) return problem(res, req, 404, 'not_found', 'Not found', '未找到');
      Object.assign(r, { version: r.version + 1, updated_at: now(), updated_by: 'u-li' });
      return send(res, 200, { version: r.version });
    }
    if (!session) return problem(res, req, 401, 'unauthenticated', 'Not signed in', '尚未登录');
    if (!['GET', 'HEAD'].includes(method) && req.headers['x-csrf-token'] !== session.csrf) return problem(res, req, 403, 'csrf', 'CSRF token missing or wrong', 'CSRF 校验失败');
    if (path === '/api/v1/auth/logout') { sessions.delete(c.keyi_session); return send(res, 204); }
    if (path === '/api/v1/me') return send(res, 200, { user: session.user, tenant: TENANT });
    if (path === '/api/v1/metadata/objects') return send(res, 200, { objects: OBJECTS });
    let m = /^\/api\/v1\/metadata\/objects\/(\w+)$/.exec(path);
    if (m) return meta(m[1]) ? send(res, 200, meta(m[1])) : problem(res, req, 404, 'not_found', 'Unknown object', '对象不存在');
    if (path === '/api/v1/search') {
      const q = (url.searchParams.get('q') || '').toLowerCase();
      const hits = [];
      for (const o of OBJECTS) for (const r of db[o.name].values()) {
        const title = String(r[o.name_field] ?? '');
        if (q && title.toLowerCase().includes(q)) hits.push({ object: o.name, id: r.id, title, score: q.length / title.length });
      }
      hits.sort((a, b) => b.score - a.score);
      return send(res, 200, { hits: hits.slice(0, Number(url.searchParams.get('limit') || 20)) });
    }
    m = /^\/api\/v1\/records\/(\w+)(?:\/([^/]+))?(?:\/(\w+))?$/.exec(path);
    if (!m) return problem(res, req, 404, 'not_found', 'Not found', '未找到');
    const o = meta(m[1]);
    if (!o) return problem(res, req, 404, 'not_found', 'Unknown object', '对象不存在');
    const [, , id, action] = m;
    await new Promise((r) => setTimeout(r, 120)); // a little latency
    if (!id && method === 'GET') {
      const sp = url.searchParams;
      const sort = (sp.get('sort') || '').split(',').filter(Boolean).map((s) => (s.startsWith('-') ? { field: s.slice(1), direction: 'desc' } : { field: s, direction: 'asc' }));
      return send(res, 200, query(o, { filter: sp.get('filter') ? JSON.parse(sp.get('filter')) : null, sort, q: sp.get('q'), limit: sp.get('limit'), cursor: sp.get('cursor') }));
    }
    if (id === 'query' && method === 'POST') return send(res, 200, query(o, await readBody(req)));
    if (id === 'aggregate' && method === 'POST') {
      const body = await readBody(req);
      const rows = [...db[o.name].values()].filter((r) => matches(o, r, body.filter));
      const groups = new Map();
      for (const r of rows) {
        const key = Object.fromEntries((body.group_by || []).map((g) => [g.field, r[g.field] ?? null]));
        const k = JSON.stringify(key);
        if (!groups.has(k)) groups.set(k, { key, rows: [] });
        groups.get(k).rows.push(r);
      }
      if (!body.group_by?.length && !groups.size) groups.set('{}', { key: {}, rows: [] });
      return send(res, 200, {
        groups: [...groups.values()].map((g) => ({
          key: g.key,
          values: Object.fromEntries(body.aggregates.map((a) => (a.op === 'count' ? ['count', g.rows.length] : [`${a.op}_${a.field}`, g.rows.reduce((s, r) => s + (Number(r[a.field]) || 0), 0)]))),
        })),
      });
    }
    if (!id && method === 'POST') {
      const body = await readBody(req);
      const errors = validate(req, o, body, false);
      if (errors.length) return problem(res, req, 422, 'validation_failed', 'Validation failed', '数据校验失败', { errors });
      const rec = insert(o.name, body, session.user.id);
      return send(res, 201, withDisplay(o, rec), { ETag: `"${rec.version}"` });
    }
    const rec = db[o.name].get(id);
    if (action === 'restore' && method === 'POST') {
      const d = deleted[o.name].get(id);
      if (!d) return problem(res, req, 404, 'not_found', 'Not found', '记录不存在');
      deleted[o.name].delete(id); db[o.name].set(id, d);
      history.get(id)?.unshift({ id: randomUUID(), at: now(), by: session.user.id, by_name: session.user.name, operation: 'restore', changes: [] });
      return send(res, 200, withDisplay(o, d));
    }
    if (!rec) return problem(res, req, 404, 'not_found', 'Record not found', '记录不存在');
    if (action === 'history') return send(res, 200, { entries: history.get(id) || [] });
    if (method === 'GET') return send(res, 200, withDisplay(o, rec), { ETag: `"${rec.version}"` });
    if (method === 'PATCH') {
      const body = await readBody(req);
      const ifMatch = String(req.headers['if-match'] || body.version || '').replace(/"/g, '');
      if (ifMatch && Number(ifMatch) !== rec.version) return problem(res, req, 412, 'stale_version', 'The record was changed by someone else', '该记录已被他人修改');
      const errors = validate(req, o, body, true);
      if (errors.length) return problem(res, req, 422, 'validation_failed', 'Validation failed', '数据校验失败', { errors });
      const changes = Object.keys(body).filter((k) => k !== 'version' && JSON.stringify(rec[k] ?? null) !== JSON.stringify(body[k])).map((k) => ({ field: k, old: rec[k] ?? null, new: body[k] }));
      Object.assign(rec, body, { version: rec.version + 1, updated_at: now(), updated_by: session.user.id });
      history.get(id)?.unshift({ id: randomUUID(), at: now(), by: session.user.id, by_name: session.user.name, operation: 'update', changes });
      return send(res, 200, withDisplay(o, rec), { ETag: `"${rec.version}"` });
    }
    if (method === 'DELETE') {
      db[o.name].delete(id); deleted[o.name].set(id, rec);
      history.get(id)?.unshift({ id: randomUUID(), at: now(), by: session.user.id, by_name: session.user.name, operation: 'delete', changes: [] });
      return send(res, 204);
    }
    return problem(res, req, 405, 'method_not_allowed', 'Method not allowed', '不支持的请求');
  } catch (e) {
    return problem(res, req, 400, 'bad_request', String(e), String(e));
  }
}).listen(port, '127.0.0.1', () => console.log(`mock Keyi API on http://127.0.0.1:${port}`));
