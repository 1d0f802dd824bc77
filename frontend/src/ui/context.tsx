import { createContext, useContext } from 'react';
import type { AppConfig, UserInfo } from '../api/types';

export interface AppContextValue {
  /** Path of the app's root, ending in '/': '/', '/headlamp/'. The API lives under it too. */
  basePath: string;
  config: AppConfig;
  user: UserInfo | null;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppContext>');
  return value;
}

/** The app context when there is one (error boxes also show before the configuration is read). */
export function useAppOptional(): Partial<AppContextValue> {
  return useContext(AppContext) ?? {};
}
