import type { ReactNode } from 'react';

import { Link, useLocation } from '../router';
import { useSession } from '../session';

const PAGES: Array<{ to: string; label: string }> = [
  { to: '/', label: 'Overview' },
  { to: '/runs', label: 'Runs' },
  { to: '/inbox', label: 'Inbox' },
  { to: '/dead-letters', label: 'Dead letters' },
  { to: '/schedules', label: 'Schedules' },
  { to: '/tools', label: 'Tools' },
  { to: '/spend', label: 'Spend' },
  { to: '/audit', label: 'Audit' },
];

/** The frame of every page: navigation on the left, who is logged in, the page. */
export function Layout(props: { children: ReactNode }) {
  const { identity, logout } = useSession();
  const { path } = useLocation();
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));
  return (
    <div className="layout">
      <nav className="sidebar" aria-label="Pages">
        <div className="brand">Vigil</div>
        {PAGES.map((page) => (
          <Link key={page.to} to={page.to} className={active(page.to) ? 'active' : ''}>
            {page.label}
          </Link>
        ))}
        <div className="who" data-testid="identity">
          <div>
            key <code>{identity.keyId}</code>
            {identity.name ? ` (${identity.name})` : ''}
          </div>
          <div>
            role <strong>{identity.role}</strong>
          </div>
          <button type="button" onClick={logout}>
            Log out
          </button>
        </div>
      </nav>
      <main className="page">{props.children}</main>
    </div>
  );
}

export function PageHeader(props: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{props.title}</h1>
      <div className="page-actions">{props.children}</div>
    </header>
  );
}
