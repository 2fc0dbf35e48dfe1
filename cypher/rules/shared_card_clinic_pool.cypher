// title: 诊所批量刷卡 / a pool of cards billed together by one clinic doctor
// id: card-pool-clinic
// family: shared_card
// level: high
// status: stable
// seeds: ["000 三(三)1", "000 三(三)2", "003 附件3 一.1", "003 附件3 一.5", "003 附件3 四.2", "001 三(二)"]
// params: {window_s: 1800, min_days: 3, excluded_med_types: ["14", "21"], scheduled_care_dx: ["N18", "Z49", "Z51"]}
// emits: link
// description: >
//   A clinic bills a pool of other people's cards (冒名就医, 盗刷): the same set of
//   cards is settled by the same doctor within window_s seconds of each other on
//   at least min_days different days. Links card to card; weight = days.
// falsepositives: >
//   Scheduled cohorts such as dialysis or chemotherapy sessions: 门特 (med_type
//   14) and inpatient (21) settlements are excluded by excluded_med_types, and
//   scheduled-care diagnoses (dialysis N18/Z49, chemotherapy Z51) by
//   scheduled_care_dx whatever their med_type; a busy doctor seeing two
//   unrelated patients back to back once (min_days). A clinic that records no
//   doctor is treated as one doctor.
MATCH (s1:Settlement)-[:IN_SLOT]->(t:Slot)<-[:IN_SLOT]-(s2:Settlement)
WHERE t.kind = 'swipe' AND s1.place_label = 'Institution'
  AND s1.mdtrt_cert_no < s2.mdtrt_cert_no AND s1.psn_no <> s2.psn_no
  AND coalesce(s1.atddr_no, '') = coalesce(s2.atddr_no, '')
  AND s1.refund = 0 AND s2.refund = 0
  AND NOT coalesce(s1.med_type, '') IN $excluded_med_types
  AND NOT coalesce(s2.med_type, '') IN $excluded_med_types
  AND NOT left(coalesce(s1.dise_codg, ''), 3) IN $scheduled_care_dx
  AND abs(s1.setl_ts - s2.setl_ts) <= $window_s
WITH s1.mdtrt_cert_no AS card1, s2.mdtrt_cert_no AS card2, count(DISTINCT s1.setl_day) AS days,
     collect(DISTINCT s1.setl_id) + collect(DISTINCT s2.setl_id) AS evidence
WHERE days >= $min_days
RETURN 'Card' AS a_type, card1 AS a_id, 'Card' AS b_type, card2 AS b_id,
       1.0 * days AS weight, evidence
