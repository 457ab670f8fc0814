import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

import { ApiClient } from './api/client';

const STORAGE_KEY = 'vigil.apiKey';

/** Who the key belongs to, as `GET /v1/whoami` answers: the key's id, name, role and what the role may do. */
export interface Identity {
  keyId: string;
  role: string;
  name: string | null;
  permissions: string[];
}

export interface Session {
  api: ApiClient;
  identity: Identity;
  logout: () => void;
}

const SessionContext = createContext<Session | null>(null);

/**
 * Whether this key may act (cancel, replay, resolve, reset…): its role has `operate`. Buttons
 * it may not use are disabled with the reason, instead of failing with a 403 when pressed.
 */
export function useCanOperate(): boolean {
  return useSession().identity.permissions.includes('operate');
}

/** Whether this key may start runs (`trigger`). */
export function useCanTrigger(): boolean {
  return useSession().identity.permissions.includes('trigger');
}

/** The tooltip on a disabled action. */
export const NEEDS_OPERATOR = "Your key's role cannot act on runs: an operator or admin key can";

/** The tooltip on a disabled start. */
export const NEEDS_TRIGGER = "Your key's role cannot start runs: a trigger, operator or admin key can";

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a logged-in page');
  return session;
}

export function SessionProvider(props: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={props.session}>{props.children}</SessionContext.Provider>;
}

/** The key kept for this browser tab (sessionStorage: gone when the tab closes). */
export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, key);
}

/** Finds out who a key is: `GET /v1/whoami` (any key with `read`; a bad key is refused here). */
export async function identify(api: ApiClient): Promise<Identity> {
  const { key, permissions } = await api.get<{
    key: { id: string; name: string; role: string };
    permissions: string[];
  }>('/v1/whoami');
  return { keyId: key.id, role: key.role, name: key.name, permissions };
}

/** The login state of the page: a session once a key was accepted, else null. */
export function useLogin() {
  const [session, setSession] = useState<Session | null>(null);
  const logout = useCallback(() => {
    storeKey(null);
    setSession(null);
  }, []);
  const login = useCallback(
    async (key: string) => {
      const api = new ApiClient(key.trim(), () => logout());
      const identity = await identify(api);
      storeKey(api.key);
      setSession({ api, identity, logout });
    },
    [logout],
  );
  return useMemo(() => ({ session, login, logout }), [session, login, logout]);
}
