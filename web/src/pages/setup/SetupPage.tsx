import '../../i18n/setup';
import '../../i18n/service-mail';
import '../../i18n/service-sla';
import '../../i18n/sms';
import '../../i18n/config-packages';
import '../../i18n/marketing-email';
import '../../i18n/imports';
import { ApartmentOutlined, ApiOutlined, AppstoreOutlined, AuditOutlined, BranchesOutlined, CloudUploadOutlined, DiffOutlined, FieldTimeOutlined, FileTextOutlined, KeyOutlined, MailOutlined, MessageOutlined, RobotOutlined, SafetyCertificateOutlined, ScheduleOutlined, SendOutlined, SettingOutlined, TeamOutlined, ThunderboltOutlined, TransactionOutlined } from '@ant-design/icons';
import { Menu, Result } from 'antd';
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { FullPageSpinner } from '../../components/Status';
import { useI18n } from '../../i18n';
import { useMetadata } from '../../state/metadata';
import { useSession } from '../../state/session';
import './setup.css';

const ObjectsPage = lazy(() => import('./ObjectsPage'));
const ObjectSetupPage = lazy(() => import('./ObjectSetupPage'));
const FlowsPage = lazy(() => import('./FlowsPage'));
const RolesPage = lazy(() => import('./RolesPage'));
const AuditPage = lazy(() => import('./AuditPage'));
const UsersPage = lazy(() => import('./UsersPage'));
const SsoPage = lazy(() => import('./SsoPage'));
const DepartmentsPage = lazy(() => import('./DepartmentsPage'));
const JobsPage = lazy(() => import('./JobsPage'));
const WebhooksPage = lazy(() => import('./WebhooksPage'));
const RobotsPage = lazy(() => import('./RobotsPage'));
const SmsPage = lazy(() => import('./SmsPage'));
const DocumentTemplatePage = lazy(() => import('./DocumentTemplatePage'));
const ConfigPackagesPage = lazy(() => import('./ConfigPackagesPage'));
const ApprovalProcessesPage = lazy(() => import('./ApprovalProcessesPage'));
const LeadToCashPage = lazy(() => import('./LeadToCashPage'));
const MailboxesPage = lazy(() => import('../../service/mail/MailboxesPage'));
const SlaSetupPage = lazy(() => import('../../service/sla/SlaSetupPage'));
const EmailSettingsPage = lazy(() => import('../../marketing/email/EmailSettingsPage'));
const ImportRunsPage = lazy(() => import('../../imports/ImportRunsPage'));

/**
 * The administrator's Setup area: objects and fields, page layouts, users, departments, roles,
 * single sign-on, approval processes, the lead-to-cash settings (with the l2c package), webhooks,
 * robot channels, the SMS provider, the document template (letterhead of quote and contract PDFs), the audit log
 * and the background jobs.
 * Everything here is loaded on demand, so none of it weighs on the workspace pages.
 */
export default function SetupPage() {
  const { t } = useI18n();
  const { session } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const { objects } = useMetadata();
  // The lead-to-cash settings exist only for a company that installed the package.
  const hasL2c = objects.some((o) => o.package === 'l2c');
  // Service mailboxes (email to case) and service levels (business calendars, SLA policies)
  // come with the service package.
  const hasService = objects.some((o) => o.package === 'service');
  // The email marketing settings (send rate, default sender) come with the marketing package.
  const hasMarketing = objects.some((o) => o.package === 'marketing');

  if (!session?.user.is_admin) {
    return <Result status="403" title={t('common.forbidden')} subTitle={t('setup.adminOnly')} />;
  }

  const section = location.pathname.split('/')[2] || 'objects';
  return (
    <div className="ky-page ky-setup">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <SettingOutlined className="ky-setup-titleicon" />
          <div>
            <h1>{t('setup.title')}</h1>
            <div className="ky-page-sub">{t('setup.subtitle')}</div>
          </div>
        </div>
      </div>
      <div className="ky-setup-body">
        <Menu
          className="ky-setup-menu"
          mode="horizontal"
          selectedKeys={[section]}
          data-testid="setup-menu"
          items={[
            { key: 'objects', icon: <AppstoreOutlined />, label: t('setup.nav.objects') },
            { key: 'automation', icon: <ThunderboltOutlined />, label: t('setup.nav.automation') },
            { key: 'users', icon: <TeamOutlined />, label: t('setup.nav.users') },
            { key: 'departments', icon: <ApartmentOutlined />, label: t('setup.nav.departments') },
            { key: 'roles', icon: <SafetyCertificateOutlined />, label: t('setup.nav.roles') },
            { key: 'sso', icon: <KeyOutlined />, label: t('setup.nav.sso') },
            { key: 'approvals', icon: <BranchesOutlined />, label: t('setup.nav.approvals') },
            ...(hasL2c ? [{ key: 'l2c', icon: <TransactionOutlined />, label: t('setup.nav.l2c') }] : []),
            ...(hasService ? [{ key: 'service-mailboxes', icon: <MailOutlined />, label: t('setup.nav.serviceMailboxes') }] : []),
            ...(hasService ? [{ key: 'service-sla', icon: <FieldTimeOutlined />, label: t('setup.nav.serviceSla') }] : []),
            ...(hasMarketing ? [{ key: 'marketing-email', icon: <SendOutlined />, label: t('setup.nav.marketingEmail') }] : []),
            { key: 'webhooks', icon: <ApiOutlined />, label: t('setup.nav.webhooks') },
            { key: 'robots', icon: <RobotOutlined />, label: t('setup.nav.robots') },
            { key: 'sms', icon: <MessageOutlined />, label: t('setup.nav.sms') },
            { key: 'document-template', icon: <FileTextOutlined />, label: t('setup.nav.documentTemplate') },
            { key: 'config-packages', icon: <DiffOutlined />, label: t('setup.nav.configPackages') },
            { key: 'audit', icon: <AuditOutlined />, label: t('setup.nav.audit') },
            { key: 'imports', icon: <CloudUploadOutlined />, label: t('setup.nav.imports') },
            { key: 'jobs', icon: <ScheduleOutlined />, label: t('setup.nav.jobs') },
          ]}
          onClick={({ key }) => navigate(`/setup/${key}`)}
        />
        <div className="ky-setup-content">
          <Suspense fallback={<FullPageSpinner />}>
            <Routes>
              <Route index element={<Navigate to="objects" replace />} />
              <Route path="objects" element={<ObjectsPage />} />
              <Route path="objects/:object" element={<ObjectSetupPage />} />
              <Route path="automation" element={<FlowsPage />} />
              <Route path="roles" element={<RolesPage />} />
              <Route path="roles/:roleId" element={<RolesPage />} />
              <Route path="audit" element={<AuditPage />} />
              <Route path="jobs" element={<JobsPage />} />
              <Route path="imports" element={<ImportRunsPage />} />
              <Route path="users" element={<UsersPage />} />
              <Route path="sso" element={<SsoPage />} />
              <Route path="departments" element={<DepartmentsPage />} />
              <Route path="webhooks" element={<WebhooksPage />} />
              <Route path="robots" element={<RobotsPage />} />
              <Route path="sms" element={<SmsPage />} />
              <Route path="document-template" element={<DocumentTemplatePage />} />
              <Route path="config-packages" element={<ConfigPackagesPage />} />
              <Route path="approvals" element={<ApprovalProcessesPage />} />
              <Route path="l2c" element={<LeadToCashPage />} />
              <Route path="service-mailboxes" element={<MailboxesPage />} />
              <Route path="service-sla" element={<SlaSetupPage />} />
              <Route path="marketing-email" element={<EmailSettingsPage />} />
              <Route path="*" element={<Navigate to="objects" replace />} />
            </Routes>
          </Suspense>
        </div>
      </div>
    </div>
  );
}
