import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../api/endpoints';
import { peekBootObjects, takeBootObjects } from '../boot';
import type { ObjectMeta } from '../api/types';
import { childRelations, type Relation } from '../lib/fields';

interface MetadataValue {
  loading: boolean;
  error: unknown;
  objects: ObjectMeta[];
  byName: Map<string, ObjectMeta>;
  getObject: (name: string) => ObjectMeta | undefined;
  relationsOf: (name: string) => Relation[];
  reload: () => Promise<void>;
}

const MetadataContext = createContext<MetadataValue | null>(null);

export function MetadataProvider({ children }: { children: ReactNode }) {
  // The boot's answer when it is already in: the first render has the metadata.
  const [booted] = useState(peekBootObjects);
  const [objects, setObjects] = useState<ObjectMeta[]>(booted?.objects ?? []);
  const [loading, setLoading] = useState(!booted);
  const [error, setError] = useState<unknown>(null);

  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const res = await (takeBootObjects() ?? api.objects());
      setObjects(res.objects ?? []);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (booted && takeBootObjects()) return;
    void reload();
  }, [reload, booted]);

  const value = useMemo<MetadataValue>(() => {
    const byName = new Map(objects.map((o) => [o.name, o]));
    return {
      loading,
      error,
      objects,
      byName,
      getObject: (name) => byName.get(name),
      relationsOf: (name) => childRelations(objects, name),
      reload,
    };
  }, [objects, loading, error, reload]);

  return <MetadataContext.Provider value={value}>{children}</MetadataContext.Provider>;
}

export function useMetadata(): MetadataValue {
  const ctx = useContext(MetadataContext);
  if (!ctx) throw new Error('useMetadata outside MetadataProvider');
  return ctx;
}

/** Static provider for tests and stories. */
export function StaticMetadataProvider({ objects, children }: { objects: ObjectMeta[]; children: ReactNode }) {
  const value = useMemo<MetadataValue>(() => {
    const byName = new Map(objects.map((o) => [o.name, o]));
    return {
      loading: false,
      error: null,
      objects,
      byName,
      getObject: (name) => byName.get(name),
      relationsOf: (name) => childRelations(objects, name),
      reload: async () => undefined,
    };
  }, [objects]);
  return <MetadataContext.Provider value={value}>{children}</MetadataContext.Provider>;
}
