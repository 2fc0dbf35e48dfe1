// title: 跨院重复开药 / the same drug from two hospitals within 30 days, repeatedly
// id: doctor-cross-hospital-duplicate
// family: doctor_collusion
// level: medium
// status: stable
// seeds: ["001 二 智能监控 30日跨院重复开药", "002 二(二)7", "003 附件3 三.3"]
// params: {window_d: 30, min_repeats: 3, med_types: ["14"]}
// emits: link
// description: >
//   A chronic (门特) patient fills the same drug from a second doctor at another
//   institution within window_d days of the first, at least min_repeats times
//   (跨院重复开药, 叠加购药). Links the patient to the second doctor; weight =
//   repeats. The first doctor is linked by the symmetric match.
// falsepositives: >
//   A patient who changes hospital once (one or two overlaps, below min_repeats).
MATCH (p:Patient)<-[:`FOR`]-(s1:Settlement)-[:INCLUDES]->(g:Drug)
WHERE s1.med_type IN $med_types AND s1.refund = 0
MATCH (p)<-[:`FOR`]-(s2:Settlement)-[:INCLUDES]->(g)
WHERE s2.med_type IN $med_types AND s2.refund = 0
  AND s2.fixmedins_code <> s1.fixmedins_code
  AND s2.setl_day >= s1.setl_day AND s2.setl_day - s1.setl_day <= $window_d
MATCH (s2)-[:BY]->(d:Doctor)
WITH p, d, count(DISTINCT s2.setl_id) AS repeats, collect(DISTINCT s1.setl_id) + collect(DISTINCT s2.setl_id) AS evidence
WHERE repeats >= $min_repeats
RETURN 'Doctor' AS a_type, d.atddr_no AS a_id, 'Patient' AS b_type, p.psn_no AS b_id,
       1.0 * repeats AS weight, evidence
