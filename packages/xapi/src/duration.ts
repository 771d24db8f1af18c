// xAPI durations (Data 4.6): the ISO 8601:2004 4.4.3.2 format with designators,
// P[nY][nM][nD][T[nH][nM][nS]] or PnW. Weeks cannot be combined with other units, the
// alternative format (P0003-01-29T…) is not allowed, and only the last (lowest-order) unit
// present may have a decimal fraction.

const NUMBER = "(\\d+(?:[.,]\\d+)?)";
const DURATION = new RegExp(
  `^P(?:${NUMBER}W|(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}D)?(?:(T)(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?)$`,
);

export const DURATION_MESSAGE =
  "must be an ISO 8601 duration such as PT1H30M, PT4.5S, P3Y1M29DT4H or P4W (weeks cannot be combined with other units, only the last unit may have a fraction)";

/** Whether `value` is an ISO 8601 duration as xAPI allows it. */
export function isDuration(value: string): boolean {
  const match = DURATION.exec(value);
  if (match === null) return false;
  const [, weeks, years, months, days, t, hours, minutes, seconds] = match;
  if (weeks !== undefined) return true;
  const dateParts = [years, months, days];
  const timeParts = [hours, minutes, seconds];
  if (t !== undefined && timeParts.every((part) => part === undefined))
    return false;
  const parts = [...dateParts, ...timeParts].filter(
    (part): part is string => part !== undefined,
  );
  if (parts.length === 0) return false;
  return parts.slice(0, -1).every((part) => !/[.,]/.test(part));
}

/**
 * The duration as compared between statements: precision beyond 0.01 s does not count (Data 4.6.s1.b5),
 * so the seconds fraction is cut to two digits.
 */
export function comparableDuration(value: string): string {
  return value.replace(
    /(\d+)[.,](\d+)S$/,
    (_match, whole: string, fraction: string) =>
      `${whole}.${fraction.slice(0, 2)}S`,
  );
}
