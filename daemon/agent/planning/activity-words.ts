/** Activity words as questions say them, shared by the retrieval slots and the plan-shape rewrites. */

// Activity words → the vision expert's class names (daemon/vision ACTIVITY_CLASSES); a fall shows as lying_down.
export const ACTIVITIES: Array<[RegExp, string]> = [
  [/\b(fall|fell|fallen|falling|falls|fals|tumble|tumbled)\b/, 'lying_down'],
  [/\b(lying|lay|lie|lies|sleep|slept|sleeping|sleeps) ?(down)?\b/, 'lying_down'],
  [/\b(sit|sat|sitting|sits)\b/, 'sitting'],
  [/\b(stand|stood|standing|stands)\b/, 'standing'],
  [/\b(walk|walked|walking|walks|run|ran|running|runs|pac(e|ed|ing) (up and down|around|about))\b/, 'walking'],
  [
    /\b(cook|cooked|cooking|cooks|stove|hob|(make|makes|made|making|prepar(e|ed|es|ing)) (food|dinner|lunch|breakfast|a meal))\b/,
    'cooking',
  ],
  [/\b(eat|ate|eating|eats|meal|meals|snack|snacking)\b/, 'eating'],
  [/\b(drink|drank|drinking|drinks)\b/, 'drinking'],
  [/\b(wash(ed|ing)? (the )?dishes|washing up|(do|does|did|doing|done) the dishes|dishwashing)\b/, 'washing_dishes'],
  [/\b((lay|lays|laid|laying|set|sets|setting) the table)\b/, 'laying_table'],
  [/\b(clear(ed|ing)? (the )?table)\b/, 'clearing_table'],
  [
    new RegExp(
      String.raw`\b(clean|cleaned|cleaning|cleans|hoover(ed|ing)?|vacuum(ed|ing)?|tid(y|ying|ied|ies)( up)?|housework|chores|` +
        String.raw`mop(ped|ping)?|sweep(ing)?|swept|dust(ing)?)\b`,
    ),
    'cleaning',
  ],
  [/\b(read|reading|reads)\b/, 'reading'],
  [/\b(phone)\b/, 'using_phone'],
  [/\b(laptop|computer)\b/, 'using_laptop'],
];

/** The activity classes a text names, in ACTIVITIES' order ("did she have a fall" → lying_down). */
export function activitiesNamed(text: string): string[] {
  const lower = text.toLowerCase();
  return [...new Set(ACTIVITIES.filter(([re]) => re.test(lower)).map(([, a]) => a))];
}
