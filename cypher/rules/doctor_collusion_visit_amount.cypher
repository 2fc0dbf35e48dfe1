// title: 医生门特处方金额异常 / a doctor's chronic-care visits for a patient cost far more than peers'
// id: doctor-visit-amount
// family: doctor_collusion
// level: medium
// status: stable
// seeds: ["002 二(二)3", "002 二(二)6", "002 二(二)7", "000 三(一)6", "003 附件3 三.3"]
// params: {med_types: ["14"], amount_ratio: 3.0, min_visits: 6, min_peer_visits: 30}
// emits: link
// description: >
//   Works without fee details. For every diagnosis the baseline is the average
//   fund money per chronic (门特) visit; a doctor–patient pair whose visits
//   average amount_ratio times that or more, over min_visits or more visits,
//   links doctor and patient (超量开药, 倒卖药品). Weight = the ratio.
//   Diagnoses with fewer than min_peer_visits visits have no baseline.
// falsepositives: >
//   Genuinely sick chronic patients on monthly refills and scheduled cohorts such
//   as dialysis: many visits, but ordinary money per visit for their diagnosis.
MATCH (s0:Settlement)
WHERE s0.med_type IN $med_types AND s0.refund = 0 AND s0.dise_codg IS NOT NULL
WITH s0.dise_codg AS dx, avg(s0.fund_pay) AS peer_avg, count(*) AS peer_visits
WHERE peer_visits >= $min_peer_visits AND peer_avg > 0
MATCH (d:Doctor)<-[:BY]-(s:Settlement)
WHERE s.dise_codg = dx AND s.med_type IN $med_types AND s.refund = 0
WITH d, s.psn_no AS psn, peer_avg, count(DISTINCT s.setl_id) AS visits, avg(s.fund_pay) AS pair_avg,
     collect(DISTINCT s.setl_id) AS evidence
WHERE visits >= $min_visits AND pair_avg >= $amount_ratio * peer_avg
RETURN 'Doctor' AS a_type, d.atddr_no AS a_id, 'Patient' AS b_type, psn AS b_id,
       pair_avg / peer_avg AS weight, evidence
