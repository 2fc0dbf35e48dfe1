// title: 医生门特处方频次或金额异常 / a doctor sees a chronic patient far more often, or bills far more per visit, than peers
// id: doctor-visit-amount
// family: doctor_collusion
// level: medium
// status: stable
// seeds: ["002 二(二)3", "002 二(二)6", "002 二(二)7", "000 三(一)6", "000 三(三)5", "003 附件3 三.3"]
// params: {med_types: ["14"], amount_ratio: 3.0, visit_ratio: 2.5, min_visits: 6, min_peer_visits: 30}
// emits: link
// description: >
//   Works without fee details. For every diagnosis the baselines are the fund
//   money per chronic (门特) visit and the visits per doctor–patient pair. A
//   pair with at least min_visits visits that either averages amount_ratio
//   times the money per visit, or has visit_ratio times the visits, of its
//   diagnosis' peers links doctor and patient (超量开药, 倒卖药品, 频繁开药).
//   Weight = the larger ratio. Diagnoses with fewer than min_peer_visits visits
//   have no baseline.
// falsepositives: >
//   Genuinely sick chronic patients on monthly refills, and scheduled cohorts
//   such as dialysis: frequent, but so are their peers with the same diagnosis,
//   and ordinary money per visit.
MATCH (s0:Settlement)
WHERE s0.med_type IN $med_types AND s0.refund = 0 AND s0.dise_codg IS NOT NULL
WITH s0.dise_codg AS dx, s0.atddr_no AS doc, s0.psn_no AS psn, count(*) AS n0, sum(s0.fund_pay) AS f0
WITH dx, sum(f0) / sum(n0) AS peer_avg, avg(n0) AS peer_pair_visits, sum(n0) AS peer_visits
WHERE peer_visits >= $min_peer_visits AND peer_avg > 0
MATCH (d:Doctor)<-[:BY]-(s:Settlement)
WHERE s.dise_codg = dx AND s.med_type IN $med_types AND s.refund = 0
WITH d, s.psn_no AS psn, peer_avg, peer_pair_visits, count(DISTINCT s.setl_id) AS visits,
     avg(s.fund_pay) AS pair_avg, collect(DISTINCT s.setl_id) AS evidence
WITH d, psn, visits, evidence, pair_avg / peer_avg AS amount_x, visits / peer_pair_visits AS visit_x
WHERE visits >= $min_visits AND (amount_x >= $amount_ratio OR visit_x >= $visit_ratio)
RETURN 'Doctor' AS a_type, d.atddr_no AS a_id, 'Patient' AS b_type, psn AS b_id,
       CASE WHEN amount_x > visit_x THEN amount_x ELSE visit_x END AS weight, evidence
