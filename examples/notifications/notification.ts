/**
 * Live notifications over Server-Sent Events: every message published on
 * `notifications_channel` (by `npm run publish-notifications`, by another
 * program's plain Redis `PUBLISH`, or in process) is rendered by this
 * component and streamed to every open page, which shows it with htmx's own
 * SSE extension.
 */
import { z } from 'zod';
import { Component, html } from 'weft';

export const NOTIFICATIONS_CHANNEL = 'notifications_channel';

/** The colours a notification may name; anything else is shown in black. */
export const COLORS = ['blue', 'green', 'red', 'black', 'gray', 'purple'] as const;

/** What a publisher sends: the fields are text or numbers, and the page shows text. */
const Message = z.object({
  id: z.union([z.number(), z.string()]).optional(),
  title: z.string().max(200),
  message: z.string().max(2000),
  color: z.string().max(20).optional(),
  timestamp: z.string().max(100).optional(),
});

export interface NotificationState {
  title: string;
  message: string;
  color: (typeof COLORS)[number];
}

export class Notification extends Component<NotificationState> {
  static stream = { channel: NOTIFICATIONS_CHANNEL, event: 'notification' };

  mount(): NotificationState {
    return { title: '', message: '', color: 'black' };
  }

  /** One published message; one that is not a notification is skipped, not shown. */
  receive(data: string): boolean {
    let parsed;
    try {
      parsed = Message.safeParse(JSON.parse(data));
    } catch {
      return false;
    }
    if (!parsed.success) return false;
    const color = (COLORS as readonly string[]).includes(parsed.data.color ?? '') ? (parsed.data.color as NotificationState['color']) : 'black';
    this.state = { title: parsed.data.title, message: parsed.data.message, color };
    return true;
  }

  // A class per colour rather than an inline style, so the page works under a strict CSP.
  override render() {
    const { title, message, color } = this.state;
    return html`<div class="notification notification-${color}" role="alert">
  <span class="notification-title">${title}</span> ${message}
</div>`;
  }
}

/** A notification like the ones the publisher script sends. */
export function randomNotification(): Record<string, unknown> {
  const pick = (n: number) => Math.floor(Math.random() * n) + 1;
  return {
    id: pick(1000),
    title: `Notification ${pick(100)}`,
    message: `This is a random message ${pick(100)}`,
    color: COLORS[pick(COLORS.length) - 1],
    timestamp: new Date().toString(),
  };
}
