import type { Bindings } from "../env.ts";

/**
 * The limits that keep one account from turning Roster into a mail cannon: many
 * organizations, each with a raised seat limit and its own hourly invitation mail. Each
 * default lets one bulk of 1,000 invitations through; an operator raises them with the
 * Worker variables named here (never the organization's owner).
 */
export interface AbuseLimits {
  /** Organizations one user may create per day (`ORGS_PER_USER_PER_DAY`). */
  orgsPerUserPerDay: number;
  /** Invitation mails one user may send per hour across all their organizations (`INVITE_MAIL_PER_USER_PER_HOUR`). */
  inviteMailPerUserPerHour: number;
  /** The highest seat limit an owner may set until billing exists (`SEAT_LIMIT_CAP`). */
  seatLimitCap: number;
  /**
   * Sign-in and join-confirmation mails the whole deployment sends per hour
   * (`SIGN_IN_MAIL_PER_HOUR`): the last line behind the per-address limits, so requests from
   * many addresses cannot spend the Resend account's rate and reputation on sign-in mail.
   */
  signInMailPerHour: number;
}

export const defaultAbuseLimits: AbuseLimits = {
  orgsPerUserPerDay: 10,
  inviteMailPerUserPerHour: 2_000,
  seatLimitCap: 2_000,
  signInMailPerHour: 3_000,
};

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** The limits in force: the defaults, each overridable by its Worker variable. */
export function abuseLimits(env: Bindings): AbuseLimits {
  return {
    orgsPerUserPerDay: positiveInt(env.ORGS_PER_USER_PER_DAY, defaultAbuseLimits.orgsPerUserPerDay),
    inviteMailPerUserPerHour: positiveInt(env.INVITE_MAIL_PER_USER_PER_HOUR, defaultAbuseLimits.inviteMailPerUserPerHour),
    seatLimitCap: positiveInt(env.SEAT_LIMIT_CAP, defaultAbuseLimits.seatLimitCap),
    signInMailPerHour: positiveInt(env.SIGN_IN_MAIL_PER_HOUR, defaultAbuseLimits.signInMailPerHour),
  };
}
