// title: 诊所批量刷卡 / a pool of cards billed by one clinic doctor on the same days
// id: card-pool-clinic
// family: shared_card
// level: high
// status: stable
// seeds: ["000 三(三)1", "000 三(三)2", "003 附件3 一.1", "003 附件3 一.5", "003 附件3 四.2", "001 三(二)"]
// emits: events
// scale: day
// params: {window: 0, min_repeats: 2, bursts: false}
// description: >
//   A clinic bills a pool of other people's cards (冒名就医, 盗刷), keyed in through
//   the working day, a subset of the pool each time. Every outpatient settlement
//   at a medical institution is a meeting opportunity at its doctor (the
//   institution when no doctor is recorded); two cards billed by the same doctor
//   on the same day meet. Cards meeting on `min_repeats` or more days are scored
//   against chance: the doctor's own traffic by weekday and each card's own
//   visits to that doctor. A day at a doctor's is too long a window for a
//   burst to single anyone out (`bursts: false`): the pool shows in its repeated
//   days.
// falsepositives: >
//   A busy chronic-disease doctor whose patients come on their own days (expected
//   meetings there are many); scheduled care such as dialysis, recognised from
//   its regular rhythm and left out; inpatient stays (the admission rule's).
MATCH (s:Settlement)
WHERE s.place_label = 'Institution' AND s.refund = 0
  AND (s.begn_day IS NULL OR s.end_day IS NULL OR s.end_day - s.begn_day < 1)
RETURN 'Card' AS entity_type, s.mdtrt_cert_no AS entity_id,
       s.fixmedins_code + '|' + coalesce(s.atddr_no, '') AS place,
       s.setl_day AS t, s.setl_day AS rep, s.setl_id AS setl_id
