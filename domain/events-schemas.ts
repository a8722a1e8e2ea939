import { z } from 'zod';
import { EVENT_TYPES } from './events';
import { pageQuerySchema } from './schemas';

/*
 * Query schemas of the events feed (SPEC.md §11), apart from the contract so workflow code
 * never loads zod. Bad queries are 422 `validation_failed` (SPEC.md §1).
 */

/** listEventsQuerySchema is `?cursor=&type=&subjectId=&limit=` of GET /v1/events. */
export const listEventsQuerySchema = pageQuerySchema.extend({
  type: z.enum(EVENT_TYPES).optional(),
  subjectId: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional(),
});

/** eventCursorSchema is a feed position: the last event's transaction id (xid8) and id. */
export const eventCursorSchema = z.object({
  txid: z.string().regex(/^\d{1,20}$/, 'a transaction id'),
  id: z.uuid(),
});
