// title: 团伙分批住院 / recruits admitted in batches, again and again
// id: admission-co-admit
// family: fake_admission
// level: high
// status: stable
// seeds: ["000 三(一)3", "000 三(一)5", "003 附件3 一.4", "003 附件3 四.3", "001 三(二)"]
// emits: events
// scale: episode
// params: {window: 3, min_repeats: 2, min_los_d: 1}
// description: >
//   An intermediary recruits insured people and a small hospital admits them in
//   batches (虚假住院, 挂床住院, 诱导住院): brought in on one day or over two or
//   three, discharged together or one by one, in several episodes with partly
//   different recruits. Every stay of at least `min_los_d` days is an admission;
//   two patients admitted at one institution within `window` days of each other
//   meet. Patients meeting in `min_repeats` or more episodes are scored against
//   the institution's admissions, and a batch far above its usual admissions ties
//   in the recruits brought only once (with one diagnosis dominating a batch, the
//   patients admitted the same days for other reasons stay out of it).
// falsepositives: >
//   A bus accident, a planned surgery day (one batch, no repetition); a nursing
//   home (shared address, independent admissions); chemotherapy cycles
//   (scheduled care, recognised from their rhythm).
MATCH (s:Settlement)
WHERE s.place_label = 'Institution' AND s.begn_day IS NOT NULL AND s.end_day IS NOT NULL
  AND s.end_day - s.begn_day >= $min_los_d AND s.refund = 0
RETURN 'Patient' AS entity_type, s.psn_no AS entity_id, s.fixmedins_code AS place,
       s.begn_day AS t, s.begn_day AS rep, s.setl_id AS setl_id, s.dise_codg AS attr
