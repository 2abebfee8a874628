// The live control streams of THIS replica: connectorId → stream. The newest
// stream of a connector wins (see ControlChannel.replacedBy for what the older one
// is told). Sessions send open_session / close_session through sendInstruction and
// learn through onGone() that a connector has no live control stream any more.
import { Injectable } from "@nestjs/common";
import type { ControlInstruction } from "@airlock/proto";
import { Unavailable } from "../../errors/domain-errors";

/** What the registry needs from a live control stream. */
export interface LiveControl {
  readonly connectorId: string;
  readonly connectorName: string;
  readonly tokenId: string;
  /** Sends an instruction; false when the stream has ended. */
  send(instruction: ControlInstruction): boolean;
  /** Tells the connector to go away (`disconnect`) and ends the stream. */
  disconnect(reason: string, retry: boolean): void;
  /** A newer stream of the same connector took over. */
  replacedBy(newer: LiveControl & { readonly hostname: string; readonly instanceId: string }): void;
}

/** Called when a connector's current control stream ended (not when a newer one replaced it). */
export type GoneListener = (connectorId: string, connectorName: string) => void;

@Injectable()
export class ControlRegistry {
  private readonly live = new Map<string, LiveControl>();
  private readonly goneListeners = new Set<GoneListener>();
  private readonly arrivalWaiters = new Map<string, Set<() => void>>();

  /** Makes `stream` the connector's current stream; returns the one it replaced. */
  register(stream: LiveControl): LiveControl | undefined {
    const previous = this.live.get(stream.connectorId);
    this.live.set(stream.connectorId, stream);
    const waiters = this.arrivalWaiters.get(stream.connectorId);
    this.arrivalWaiters.delete(stream.connectorId);
    for (const wake of waiters ?? []) wake();
    return previous === stream ? undefined : previous;
  }

  /** Forgets `stream`; true if it was still the connector's current stream. */
  unregister(stream: LiveControl): boolean {
    if (this.live.get(stream.connectorId) !== stream) return false;
    this.live.delete(stream.connectorId);
    for (const listener of [...this.goneListeners])
      listener(stream.connectorId, stream.connectorName);
    return true;
  }

  /** Subscribes to connectors going away; returns the unsubscribe function. */
  onGone(listener: GoneListener): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  isConnected(connectorId: string): boolean {
    return this.live.has(connectorId);
  }

  /**
   * Resolves true as soon as the connector has a live control stream here (at once if it
   * has one), false after `timeoutMs`. Lets a session opened while a connector is
   * reconnecting (e.g. right after this process restarted) wait for it.
   */
  waitConnected(connectorId: string, timeoutMs: number): Promise<boolean> {
    if (this.live.has(connectorId) || timeoutMs <= 0) {
      return Promise.resolve(this.live.has(connectorId));
    }
    return new Promise((resolve) => {
      const waiters = this.arrivalWaiters.get(connectorId) ?? new Set<() => void>();
      this.arrivalWaiters.set(connectorId, waiters);
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        if (waiters.size === 0) this.arrivalWaiters.delete(connectorId);
        resolve(false);
      }, timeoutMs);
      waiters.add(wake);
    });
  }

  sendInstruction(connectorId: string, instruction: ControlInstruction): void {
    const stream = this.live.get(connectorId);
    if (stream === undefined || !stream.send(instruction)) {
      throw new Unavailable(`connector ${connectorId} is not connected to this control plane`);
    }
  }

  /** Ends the streams a revoked token authenticated. */
  disconnectToken(tokenId: string, reason: string): number {
    const streams = [...this.live.values()].filter((s) => s.tokenId === tokenId);
    for (const stream of streams) stream.disconnect(reason, false);
    return streams.length;
  }

  /** Ends a deleted connector's stream. */
  disconnectConnector(connectorId: string, reason: string): void {
    this.live.get(connectorId)?.disconnect(reason, false);
  }

  size(): number {
    return this.live.size;
  }
}
