// title: 诊所集中刷卡 / a stack of cards keyed in at one sitting at a clinic
// id: card-pool-sitting
// family: shared_card
// level: high
// status: stable
// seeds: ["000 三(三)1", "000 三(三)2", "003 附件3 一.1", "003 附件3 四.2"]
// emits: events
// scale: sitting
// params: {window: 1800, min_repeats: 2}
// description: >
//   A clinic keys in a pool of other people's cards at one sitting, often after
//   hours (盗刷, 冒名就医). Every outpatient settlement at a medical institution is
//   a meeting opportunity; two cards settled there within `window` seconds meet.
//   Meetings on `min_repeats` or more days are scored against the institution's
//   traffic at that hour, so a stack keyed in at night stands out and a busy
//   morning clinic does not.
// falsepositives: >
//   A busy outpatient department in the morning (many expected meetings);
//   scheduled care sessions (left out); a company health check or a bus accident
//   (one day only: no repetition).
MATCH (s:Settlement)
WHERE s.place_label = 'Institution' AND s.refund = 0 AND s.setl_ts IS NOT NULL
  AND (s.begn_day IS NULL OR s.end_day IS NULL OR s.end_day - s.begn_day < 1)
RETURN 'Card' AS entity_type, s.mdtrt_cert_no AS entity_id, s.fixmedins_code AS place,
       s.setl_ts AS t, s.setl_day AS rep, s.setl_id AS setl_id
