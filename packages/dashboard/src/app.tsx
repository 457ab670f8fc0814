import { useEffect, useState } from 'react';

import { Layout } from './components/layout';
import { Loading } from './components/states';
import { AuditPage } from './pages/audit';
import { DeadLettersPage } from './pages/dead-letters';
import { InboxPage } from './pages/inbox';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { RunDetailPage } from './pages/run-detail';
import { RunsPage } from './pages/runs';
import { SchedulesPage } from './pages/schedules';
import { SpendPage } from './pages/spend';
import { ToolsPage } from './pages/tools';
import { useLocation } from './router';
import { SessionProvider, storedKey, useLogin } from './session';

export function App() {
  const { session, login } = useLogin();
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [restoreError, setRestoreError] = useState<string | null>(null);
  useEffect(() => {
    const key = storedKey();
    if (key === null) return;
    login(key).then(
      () => setRestoring(false),
      (error: unknown) => {
        setRestoreError(`The saved key no longer works: ${error instanceof Error ? error.message : String(error)}`);
        setRestoring(false);
      },
    );
  }, [login]);

  if (restoring) return <Loading what="session" />;
  if (session === null) return <LoginPage onLogin={login} initialError={restoreError} />;
  return (
    <SessionProvider session={session}>
      <Layout>
        <Page />
      </Layout>
    </SessionProvider>
  );
}

function Page() {
  const { path } = useLocation();
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) return <RunDetailPage id={decodeURIComponent(run[1]!)} />;
  switch (path) {
    case '/':
      return <OverviewPage />;
    case '/runs':
      return <RunsPage />;
    case '/inbox':
      return <InboxPage />;
    case '/dead-letters':
      return <DeadLettersPage />;
    case '/schedules':
      return <SchedulesPage />;
    case '/tools':
      return <ToolsPage />;
    case '/spend':
      return <SpendPage />;
    case '/audit':
      return <AuditPage />;
    default:
      return <div className="state empty">No page at {path}.</div>;
  }
}
