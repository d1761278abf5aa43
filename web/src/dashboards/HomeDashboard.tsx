/**
 * The home page's dashboard: the person's (or their role's) home dashboard, read-only, with a
 * link to its page. HomePage imports this lazily, and only once it knows there is one.
 */
import DashboardView from './DashboardView';

export default function HomeDashboard({ id }: { id: string }) {
  return (
    <div className="ky-home-dashboard" data-testid="home-dashboard">
      <DashboardView id={id} readOnly />
    </div>
  );
}
