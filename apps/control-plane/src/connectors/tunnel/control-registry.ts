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

  /** Makes `stream` the connector's current stream; returns the one it replaced. */
  register(stream: LiveControl): LiveControl | undefined {
    const previous = this.live.get(stream.connectorId);
    this.live.set(stream.connectorId, stream);
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
