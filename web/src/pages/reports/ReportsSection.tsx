/**
 * The reports area (/reports/*), loaded as one chunk when it is first opened: nothing of it —
 * screens, charts, strings — is in the code a first page loads. ECharts comes later still,
 * when a chart is first drawn.
 */
import '../../i18n/reports';
import '../../reports/reports.css';
import { Route, Routes } from 'react-router-dom';
import NotFoundPage from '../NotFoundPage';
import ReportAlertsPage from './ReportAlertsPage';
import ReportBuilderPage from './ReportBuilderPage';
import ReportsHomePage from './ReportsHomePage';
import ReportViewerPage from './ReportViewerPage';

export default function ReportsSection() {
  return (
    <Routes>
      <Route index element={<ReportsHomePage />} />
      <Route path="new" element={<ReportBuilderPage />} />
      <Route path="alerts" element={<ReportAlertsPage />} />
      <Route path=":id" element={<ReportViewerPage />} />
      <Route path=":id/edit" element={<ReportBuilderPage />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
