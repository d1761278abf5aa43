import {
  ApartmentOutlined,
  AppstoreOutlined,
  AuditOutlined,
  BankOutlined,
  BookOutlined,
  CalendarOutlined,
  CarOutlined,
  CheckSquareOutlined,
  ContactsOutlined,
  ContainerOutlined,
  CustomerServiceOutlined,
  DatabaseOutlined,
  DollarOutlined,
  FileDoneOutlined,
  FileProtectOutlined,
  FileTextOutlined,
  FlagOutlined,
  FundOutlined,
  GiftOutlined,
  GlobalOutlined,
  HomeOutlined,
  IdcardOutlined,
  MailOutlined,
  NotificationOutlined,
  PayCircleOutlined,
  PhoneOutlined,
  ProjectOutlined,
  RocketOutlined,
  SafetyCertificateOutlined,
  ScheduleOutlined,
  ShopOutlined,
  ShoppingCartOutlined,
  SolutionOutlined,
  StarOutlined,
  SwapOutlined,
  TagsOutlined,
  TeamOutlined,
  ToolOutlined,
  TrophyOutlined,
  UnorderedListOutlined,
  UserOutlined,
  WalletOutlined,
} from '@ant-design/icons';
import type { ComponentType } from 'react';

/** Object icons by metadata name (antd's kebab names without the theme suffix). */
const ICONS: Record<string, ComponentType<{ className?: string }>> = {
  apartment: ApartmentOutlined,
  appstore: AppstoreOutlined,
  audit: AuditOutlined,
  bank: BankOutlined,
  book: BookOutlined,
  calendar: CalendarOutlined,
  car: CarOutlined,
  'check-square': CheckSquareOutlined,
  contacts: ContactsOutlined,
  container: ContainerOutlined,
  'customer-service': CustomerServiceOutlined,
  database: DatabaseOutlined,
  dollar: DollarOutlined,
  'file-done': FileDoneOutlined,
  'file-protect': FileProtectOutlined,
  'file-text': FileTextOutlined,
  flag: FlagOutlined,
  fund: FundOutlined,
  gift: GiftOutlined,
  global: GlobalOutlined,
  home: HomeOutlined,
  idcard: IdcardOutlined,
  mail: MailOutlined,
  notification: NotificationOutlined,
  'pay-circle': PayCircleOutlined,
  phone: PhoneOutlined,
  project: ProjectOutlined,
  rocket: RocketOutlined,
  'safety-certificate': SafetyCertificateOutlined,
  schedule: ScheduleOutlined,
  shop: ShopOutlined,
  'shopping-cart': ShoppingCartOutlined,
  solution: SolutionOutlined,
  star: StarOutlined,
  swap: SwapOutlined,
  tags: TagsOutlined,
  team: TeamOutlined,
  tool: ToolOutlined,
  trophy: TrophyOutlined,
  'unordered-list': UnorderedListOutlined,
  user: UserOutlined,
  wallet: WalletOutlined,
};

/** Fallback icons for well-known object names without an icon. */
const BY_OBJECT: Record<string, string> = {
  account: 'bank',
  contact: 'contacts',
  lead: 'flag',
  opportunity: 'fund',
  activity: 'schedule',
  product: 'shopping-cart',
  quote: 'file-text',
  contract: 'audit',
  order: 'container',
  case: 'customer-service',
  campaign: 'notification',
  user: 'user',
  department: 'apartment',
  partner: 'team',
  payment: 'wallet',
  invoice: 'file-done',
  price_book: 'book',
  payment_plan: 'schedule',
};

const COLORS = ['#3358d4', '#0f9d76', '#e8590c', '#7048e8', '#d6336c', '#1098ad', '#f08c00', '#5c7cfa', '#2b8a3e', '#c2255c'];

export function objectColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const known = Object.keys(BY_OBJECT).indexOf(name);
  return COLORS[(known >= 0 ? known : h) % COLORS.length];
}

export function iconFor(name: string, icon?: string | null): ComponentType<{ className?: string }> {
  const key = (icon || '').replace(/-(outlined|filled|twotone)$/i, '').toLowerCase();
  return ICONS[key] ?? ICONS[BY_OBJECT[name] ?? ''] ?? AppstoreOutlined;
}

export function ObjectIcon({ name, icon, size = 28 }: { name: string; icon?: string | null; size?: number }) {
  const Icon = iconFor(name, icon);
  const color = objectColor(name);
  return (
    <span
      className="ky-obj-icon"
      style={{ width: size, height: size, fontSize: Math.round(size * 0.55), background: `${color}1a`, color }}
      aria-hidden
    >
      <Icon />
    </span>
  );
}
