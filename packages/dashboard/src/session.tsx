import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

import { ApiClient, ApiError } from './api/client';

const STORAGE_KEY = 'vigil.apiKey';

/** Who the key belongs to, as far as the API tells: the key id (from the key itself) and its role. */
export interface Identity {
  keyId: string;
  role: string;
  name: string | null;
}

export interface Session {
  api: ApiClient;
  identity: Identity;
  logout: () => void;
}

const SessionContext = createContext<Session | null>(null);

/** Roles whose keys may act on runs, escalations, dead letters, breakers and schedules (`operate`). */
const OPERATORS = new Set(['admin', 'operator']);

/**
 * Whether this key may act (cancel, replay, resolve, reset…). Buttons it may not use are
 * disabled with the reason, instead of failing with a 403 when pressed. An unknown role is
 * given the benefit of the doubt: the server decides anyway.
 */
export function useCanOperate(): boolean {
  const { role } = useSession().identity;
  return role === 'unknown' || OPERATORS.has(role);
}

/** The tooltip on a disabled action. */
export const NEEDS_OPERATOR = "Your key's role cannot act on runs: an operator or admin key can";

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

/**
 * Finds out who a key is with routes that exist on every server: `GET /v1/workflows` proves the
 * key is good (`read`); `GET /v1/keys` answers an admin with the key list (its name is there)
 * and anyone else with a 403 whose message names the role ("The operator role lacks …").
 */
export async function identify(api: ApiClient): Promise<Identity> {
  await api.get('/v1/workflows');
  const keyId = /^vgl_([^_]+)_/.exec(api.key)?.[1] ?? 'unknown';
  try {
    const { keys } = await api.get<{ keys: Array<{ id: string; name: string; role: string }> }>('/v1/keys');
    const own = keys.find((k) => k.id === keyId);
    return { keyId, role: own?.role ?? 'admin', name: own?.name ?? null };
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      const role = /The (\w+) role lacks/.exec(error.message)?.[1] ?? 'unknown';
      return { keyId, role, name: null };
    }
    throw error;
  }
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
