import { type HaEntityDeclaration, slug } from '../mqtt/index.js';

/** The places presence publishes to, relative to the device's base topic (names from the API map, api.ts). */
export const PRESENCE_TOPICS = {
  person: (personSlug: string) => `presence/person/${personSlug}`,
  room: (roomSlug: string) => `presence/room/${roomSlug}`,
  unknown: (camera: string) => `presence/unknown/${camera}`,
} as const;

/** What the entities are for: the household's people (with their topic slugs), rooms with cameras, and cameras. */
export interface PresenceLayout {
  people: ReadonlyArray<{ name: string; slug: string }>;
  rooms: ReadonlyArray<{ name: string; slug: string; cameras: readonly string[] }>;
  cameras: readonly string[];
}

/**
 * One topic slug per name, stable for a given set of names: the mqtt slug, and `_2`, `_3`… for names that
 * share one ("Zoë" and "Zoé").
 */
export function slugsFor(names: readonly string[]): Array<{ name: string; slug: string }> {
  const seen = new Map<string, number>();
  return [...new Set(names)]
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const base = slug(name);
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return { name, slug: n === 1 ? base : `${base}_${n}` };
    });
}

/**
 * The Home Assistant entities of presence, declared on the MQTT bridge (discovery announces them with the device's
 * own): per person home (binary_sensor, presence), room (with last_seen and camera as attributes), activity and
 * last seen; per room the persons in it; per camera the unknown people on it. All read retained state, QoS 1.
 */
export function presenceEntities(layout: PresenceLayout, topic: (sub: string) => string): HaEntityDeclaration[] {
  const out: HaEntityDeclaration[] = [];
  for (const p of layout.people) {
    const state = topic(PRESENCE_TOPICS.person(p.slug));
    const attributes = {
      json_attributes_topic: state,
      json_attributes_template:
        '{{ {"last_seen": value_json.last_seen, "camera": value_json.camera, "room": value_json.room, ' +
        '"activity": value_json.activity, "snapshot": value_json.snapshot, "event_id": value_json.event_id} | tojson }}',
    };
    out.push(
      {
        component: 'binary_sensor',
        objectId: `person_${p.slug}_home`,
        payload: {
          name: `${p.name} home`,
          device_class: 'presence',
          state_topic: state,
          value_template: "{{ 'ON' if value_json.home else 'OFF' }}",
          qos: 1,
          ...attributes,
        },
      },
      {
        component: 'sensor',
        objectId: `person_${p.slug}_room`,
        payload: {
          name: `${p.name} room`,
          icon: 'mdi:map-marker-account',
          state_topic: state,
          value_template: "{{ value_json.room | default('unknown', true) }}",
          qos: 1,
          ...attributes,
        },
      },
      {
        component: 'sensor',
        objectId: `person_${p.slug}_activity`,
        payload: {
          name: `${p.name} activity`,
          icon: 'mdi:run',
          state_topic: state,
          value_template: "{{ value_json.activity | default('none', true) }}",
          qos: 1,
        },
      },
      {
        component: 'sensor',
        objectId: `person_${p.slug}_last_seen`,
        payload: {
          name: `${p.name} last seen`,
          device_class: 'timestamp',
          icon: 'mdi:account-clock',
          state_topic: state,
          value_template: "{{ value_json.last_seen | default('unknown', true) }}",
          qos: 1,
        },
      },
    );
  }
  for (const r of layout.rooms) {
    const state = topic(PRESENCE_TOPICS.room(r.slug));
    out.push({
      component: 'sensor',
      objectId: `room_${r.slug}_persons`,
      payload: {
        name: `${r.name} persons`,
        icon: 'mdi:account-group',
        state_topic: state,
        value_template: '{{ value_json.persons }}',
        state_class: 'measurement',
        unit_of_measurement: 'persons',
        json_attributes_topic: state,
        json_attributes_template: '{{ {"people": value_json.people, "cameras": value_json.cameras} | tojson }}',
        qos: 1,
      },
    });
  }
  for (const cam of layout.cameras) {
    const state = topic(PRESENCE_TOPICS.unknown(cam));
    out.push({
      component: 'sensor',
      objectId: `${cam}_unknown_person`,
      payload: {
        name: `${cam.replace(/[_-]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase())} unknown person`,
        icon: 'mdi:account-alert',
        state_topic: state,
        value_template: '{{ value_json.persons }}',
        state_class: 'measurement',
        unit_of_measurement: 'persons',
        json_attributes_topic: state,
        json_attributes_template:
          '{{ {"last_seen": value_json.last_seen, "snapshot": value_json.snapshot, "event_id": value_json.event_id} | tojson }}',
        qos: 1,
      },
    });
  }
  return out;
}
