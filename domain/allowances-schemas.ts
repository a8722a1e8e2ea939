import { z } from 'zod';
import {
  amountMinorSchema,
  currencySchema,
  TRIMMED_WITHOUT_CONTROL_CHARACTERS,
  uuidSchema,
} from './schemas';
import { dateTimeSchema, labelSchema } from './travel';

/*
 * Request schemas of the allowance-programme API (SPEC.md §8), apart from the contract so
 * workflow code never loads zod. "expiresAt in the future" needs the clock, so the service
 * checks it.
 */

/** MULTIPLIER_MAX is the largest pause or voucher multiplier (numeric(7, 3) CHECK ≤ 100). */
export const MULTIPLIER_MAX = 100;

/** CATEGORY_LIMITS_MAX bounds the category sub-limits of one programme. */
export const CATEGORY_LIMITS_MAX = 50;

/**
 * multiplierSchema is a JSON number > 0 and ≤ MULTIPLIER_MAX with at most 3 decimals (`2`,
 * `1.5`, `0.125`): stored exactly as numeric(7, 3), never rounded.
 */
export const multiplierSchema = z
  .number()
  .gt(0)
  .max(MULTIPLIER_MAX)
  .refine((value) => Number(value.toFixed(3)) === value, 'must have at most 3 decimals');

/**
 * categorySchema is a product category as products carry it (1–100 characters, no leading or
 * trailing space, no control characters), so a sub-limit matches the products' category.
 */
const categorySchema = z
  .string()
  .min(1)
  .max(100)
  .regex(
    TRIMMED_WITHOUT_CONTROL_CHARACTERS,
    'must not start or end with a space or hold control characters',
  );

/** createProgramBodySchema is the body of POST /v1/programs (staff). */
export const createProgramBodySchema = z
  .object({
    name: labelSchema(200),
    currency: currencySchema,
    allowanceMinor: amountMinorSchema,
    period: z.enum(['week', 'month']),
    categoryLimits: z
      .record(categorySchema, amountMinorSchema)
      .refine(
        (limits) => Object.keys(limits).length <= CATEGORY_LIMITS_MAX,
        `at most ${CATEGORY_LIMITS_MAX} categories`,
      )
      .default({}),
  })
  .strict();

/** CreateProgramBody is a validated POST /v1/programs body. */
export type CreateProgramBody = z.infer<typeof createProgramBodySchema>;

/** createPauseBodySchema is the body of POST /v1/programs/:id/pauses: endsAt after startsAt. */
export const createPauseBodySchema = z
  .object({
    name: labelSchema(200),
    startsAt: dateTimeSchema,
    endsAt: dateTimeSchema,
    multiplier: multiplierSchema,
  })
  .strict()
  .refine((body) => Date.parse(body.endsAt) > Date.parse(body.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });

/** CreatePauseBody is a validated POST /v1/programs/:id/pauses body. */
export type CreatePauseBody = z.infer<typeof createPauseBodySchema>;

/** joinProgramBodySchema is the body of POST /v1/programs/:id/participants. */
export const joinProgramBodySchema = z.object({ customerId: uuidSchema }).strict();

/** createVoucherBodySchema is the body of POST /v1/participants/:customerId/vouchers. */
export const createVoucherBodySchema = z
  .object({ multiplier: multiplierSchema, expiresAt: dateTimeSchema })
  .strict();

/** CreateVoucherBody is a validated POST /v1/participants/:customerId/vouchers body. */
export type CreateVoucherBody = z.infer<typeof createVoucherBodySchema>;

/** customerIdParamSchema is the `:customerId` path parameter of the participant routes. */
export const customerIdParamSchema = z.object({ customerId: uuidSchema });
