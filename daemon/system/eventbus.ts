/**
 * Typed in-process event bus: modules publish facts (a person event, a camera
 * state change, an answer) without knowing who listens. Listeners are keyed by
 * their owner so one call removes all of a stopping module's listeners.
 */
export type EventMap = Record<string, unknown>;

type Listener<T> = (payload: T) => void;

export class EventBus<M extends EventMap> {
  private readonly listeners = new Map<keyof M, Map<object, Set<Listener<never>>>>();
  private readonly onError: (event: string, err: unknown) => void;

  constructor(onError: (event: string, err: unknown) => void) {
    this.onError = onError;
  }

  on<K extends keyof M>(event: K, owner: object, fn: Listener<M[K]>): void {
    let byOwner = this.listeners.get(event);
    if (byOwner === undefined) {
      byOwner = new Map();
      this.listeners.set(event, byOwner);
    }
    let set = byOwner.get(owner);
    if (set === undefined) {
      set = new Set();
      byOwner.set(owner, set);
    }
    set.add(fn as Listener<never>);
  }

  /** Calls listeners synchronously; a throwing listener is reported, never breaks the emitter. */
  emit<K extends keyof M>(event: K, payload: M[K]): void {
    const byOwner = this.listeners.get(event);
    if (byOwner === undefined) return;
    for (const set of byOwner.values()) {
      for (const fn of set) {
        try {
          (fn as Listener<M[K]>)(payload);
        } catch (err) {
          this.onError(String(event), err);
        }
      }
    }
  }

  removeListeners(owner: object): void {
    for (const byOwner of this.listeners.values()) byOwner.delete(owner);
  }

  listenerCount<K extends keyof M>(event: K): number {
    let n = 0;
    for (const set of this.listeners.get(event)?.values() ?? []) n += set.size;
    return n;
  }
}
