import type { PlannerAdapter, PlannerAdapterSource } from './local-planner.js';

/**
 * The local planner's adapter source while the real one is not there yet: the agent module builds its planner before
 * the learning module opens the adapter store (learning starts after agent), so the planner gets this relay and the
 * learning module connects the store to it. Unconnected it names no adapter.
 */
export class AdapterRelay implements PlannerAdapterSource {
  private source: PlannerAdapterSource | null = null;
  private detach: () => void = () => undefined;
  private readonly listeners = new Set<() => void>();

  active(): PlannerAdapter | null {
    return this.source?.active() ?? null;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Makes `source` the one the planner follows (replacing any earlier); returns the disconnect function. */
  connect(source: PlannerAdapterSource): () => void {
    this.detach();
    this.source = source;
    const off = source.onChange(() => this.emit());
    this.detach = () => {
      off();
      if (this.source === source) this.source = null;
      this.detach = () => undefined;
      this.emit();
    };
    this.emit();
    return () => this.detach();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
