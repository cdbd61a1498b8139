/**
 * What HomeSight calls a possible fall, in one place: the activity expert has no fall class, so a fall is someone
 * lying down where people do not lie to rest. Recaps count these as falls (daemon/recaps) and fall watches fire on
 * them (daemon/watches, trigger.fall); both read this rule, so a recap and a watch never disagree about a fall.
 */

/** Lying down in a zone with one of these names is resting, not a fall. */
const RESTING_ZONE = /bed|sofa|couch/i;

/** A zone where lying down is resting (its name says bed, sofa or couch). */
function isRestingZone(zone: string): boolean {
  return RESTING_ZONE.test(zone);
}

/** Lying down outside every resting zone: a possible fall. `zones` are the zones the person is in. */
export function isPossibleFall(activity: string | null, zones: readonly string[]): boolean {
  return activity === 'lying_down' && !zones.some(isRestingZone);
}
