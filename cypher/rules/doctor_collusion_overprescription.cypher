// title: 医生超量开药 / a doctor over-prescribes one drug to a patient
// id: doctor-overprescription
// family: doctor_collusion
// level: high
// status: stable
// seeds: ["002 二(二)3", "002 二(二)7", "000 三(一)6", "000 三(三)5", "003 附件2", "003 附件3 三.3"]
// params: {qty_ratio: 4.0, min_visits: 6, min_peer_pairs: 10}
// emits: link
// description: >
//   A doctor prescribes a drug (often a key high-value drug: insulin,
//   clopidogrel, statins, osimertinib) to a patient who resells it (倒卖药品,
//   超量开药). For every drug the baseline is the average quantity per
//   doctor–patient pair over the period; a pair at qty_ratio times that or more,
//   over min_visits or more visits, links doctor and patient; weight = ratio.
//   Drugs with fewer than min_peer_pairs pairs have no baseline and are skipped.
// falsepositives: >
//   Genuinely sick chronic patients on monthly refills (normal quantities);
//   one large pack for a long trip (one visit).
MATCH (s0:Settlement)-[i0:INCLUDES]->(g:Drug)
WHERE s0.refund = 0 AND s0.atddr_no IS NOT NULL
WITH g, s0.atddr_no AS doc, s0.psn_no AS psn, sum(i0.cnt) AS q0
WITH g, avg(q0) AS avg_qty, count(*) AS pairs
WHERE pairs >= $min_peer_pairs
MATCH (d:Doctor)<-[:BY]-(s:Settlement)-[i:INCLUDES]->(g)
WHERE s.refund = 0
WITH g, avg_qty, d, s.psn_no AS psn, count(DISTINCT s.setl_id) AS visits, sum(i.cnt) AS qty,
     collect(DISTINCT s.setl_id) AS evidence
WHERE visits >= $min_visits AND qty >= $qty_ratio * avg_qty
RETURN 'Doctor' AS a_type, d.atddr_no AS a_id, 'Patient' AS b_type, psn AS b_id,
       qty / avg_qty AS weight, evidence
