import { z } from 'zod';

export const presenceSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('presence per person (room, activity, home/away), per room and unknown people per camera, as Home Assistant sensors'),
    away_after_min: z
      .number()
      .min(1)
      .max(1440)
      .default(30)
      .describe('a person counts as away once no camera has seen them for this long (also what "while I was away" means in recaps)'),
    people_refresh_s: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(60)
      .describe('how often the face gallery is re-read, so people enrolled or removed (CLI, MQTT) get or lose their sensors'),
  })
  .prefault({});
