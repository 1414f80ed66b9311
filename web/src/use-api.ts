import { useEffect, useState } from 'preact/hooks';

/** A request's state: loading, its data, or its error. */
export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
}

/**
 * Runs a request whenever its key changes, cancelling the one in flight, so that typing in a filter never
 * shows an older answer after a newer one.
 */
export function useApi<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ data: previous.data, error: null, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ data: null, error, loading: false });
      },
    );
    return () => controller.abort();
  }, [key]);
  return state;
}
