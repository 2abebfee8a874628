import type { ApiClient } from "./api-client";
import { type TimelineEntry, type TimelinePage, TimelinePageSchema } from "./session-event-schemas";

const seg = encodeURIComponent;

/** Upper bound on pages, so a server that repeats a cursor cannot loop forever. */
const MAX_PAGES = 100_000;

/** `GET /api/v1/sessions/:id/events`, on the same client as AirlockApi. */
export class SessionEventsApi {
  constructor(private readonly http: ApiClient) {}

  page(id: string, query: { cursor?: string; limit?: number } = {}): Promise<TimelinePage> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.cursor !== undefined) params.set("cursor", query.cursor);
    const search = params.size > 0 ? `?${params.toString()}` : "";
    return this.http.get(`/api/v1/sessions/${seg(id)}/events${search}`, TimelinePageSchema);
  }

  /** Every entry in order, fetching the next page only when the previous one is used up. */
  async *entries(id: string, limit?: number): AsyncGenerator<TimelineEntry> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let n = 0; n < MAX_PAGES; n++) {
      const page = await this.page(id, { cursor, limit });
      yield* page.items;
      const next = page.nextCursor ?? null;
      if (next === null || seen.has(next)) return;
      seen.add(next);
      cursor = next;
    }
  }
}
