import { resolveTimePhrase } from '../../daemon/agent/planning/index.js';
import type { GroundingContext } from '../../daemon/grounding/index.js';

/**
 * Two households written for these tests only (not the natural evaluation
 * set, not the corpus generator's): names from several languages, kinship
 * words, groups, multi-word rooms and cameras, zones, routines.
 */
export const OKAFOR: GroundingContext = {
  timezone: 'America/New_York',
  // Tuesday 2026-03-10, 21:30 (EDT since Sunday)
  now: '2026-03-10T21:30:00-04:00',
  people: [
    { name: 'Chidi', aliases: ['Chi'], kinship: ['husband', 'dad'] },
    { name: 'Ngozi', aliases: ['Zizi'], kinship: ['wife', 'mom', 'mum'] },
    { name: 'Adaeze', aliases: ['Ada'], kinship: ['daughter'] },
    { name: 'Emeka', aliases: ['Meka'], kinship: ['son'] },
    { name: 'Nkechi', aliases: ['Mama Nkechi'], kinship: ['grandma', 'granny'] },
    { name: 'Rosa', aliases: ['the nanny'], resident: false },
    { name: 'Mrs. Okoro', resident: false },
  ],
  asker: 'Ngozi',
  groups: [{ phrases: ['the grown-ups', 'the adults'], members: ['Chidi', 'Ngozi', 'Nkechi'] }],
  cameras: [
    { id: 'front_porch', room: 'porch', zones: ['doormat'] },
    { id: 'living_room', room: 'living room', zones: ['couch', 'tv corner'] },
    { id: 'kitchen_cam', room: 'kitchen' },
    { id: 'garage' },
    { id: 'back_yard', room: 'yard', zones: ['pool'] },
    { id: 'hall_1', room: 'hallway' },
    { id: 'hall_2', room: 'hallway' },
    { id: 'ada_cam', room: "Ada's room" },
  ],
  rooms: [
    { name: 'living room', aliases: ['family room'] },
    { name: 'kitchen' },
    { name: 'porch' },
    { name: 'yard', aliases: ['garden'] },
    { name: 'hallway', aliases: ['the hall'] },
    { name: "Ada's room", aliases: ["Ada's bedroom"] },
  ],
  routines: [
    { id: 'dinner', phrases: ['after dinner', 'during dinner', 'at dinner'] },
    { id: 'bedtime', phrases: ['at bedtime', 'after bedtime', "after the kids' bedtime"] },
    { id: 'school', phrases: ['after school', 'on the school run'] },
  ],
  resolveTime: resolveTimePhrase,
};

export const LINDQVIST: GroundingContext = {
  timezone: 'Europe/Stockholm',
  // Sunday 2026-10-25 00:40, the night the clocks go back
  now: '2026-10-25T00:40:00+02:00',
  people: [
    { name: 'Astrid', kinship: ['mum', 'wife'] },
    { name: 'Erik', aliases: ['Pappa'], kinship: ['dad', 'husband'] },
    { name: 'Nils', aliases: ['Nisse'], kinship: ['son'] },
    { name: 'Maja', kinship: ['daughter'] },
    { name: 'Ingrid', aliases: ['Farmor'], kinship: ['grandma'] },
    { name: 'Birgit', aliases: ['Mormor'], kinship: ['grandma'] },
    { name: 'Björn', aliases: ['Nisse'] },
  ],
  groups: [{ phrases: ['the twins'], members: ['Nils', 'Maja'] }],
  cameras: [
    { id: 'entre', room: 'hall' },
    { id: 'vardagsrum', room: 'living room', zones: ['soffa'] },
    { id: 'kök', room: 'kitchen' },
    { id: 'carport' },
    { id: 'front_door', room: 'hall' },
  ],
  rooms: [{ name: 'living room', aliases: ['vardagsrummet'] }, { name: 'kitchen', aliases: ['köket'] }, { name: 'hall' }],
  routines: [{ id: 'fika', phrases: ['after fika', 'at fika'] }],
  resolveTime: resolveTimePhrase,
};
