// title: 分解住院 / one stay split into several at the same institution
// id: admission-split
// family: split_admission
// level: high
// status: stable
// seeds: ["003 附件3 一.4", "000 三(一)1"]
// emits: observations
// params: {max_gap_d: 7, min_ratio: 2.0, min_surprise: 0.0}
// description: >
//   A stay is split into several to bill more (分解住院): the patient is discharged
//   and readmitted to the same institution with the same diagnosis within
//   `max_gap_d` days, two to four segments per real stay, over months and many
//   patients. One row per patient and institution: readmissions within the gap
//   over stays there. The peer rate is the district's; an institution whose
//   patients together are far above it gathers them into a ring.
// falsepositives: >
//   Planned chemotherapy cycles (readmission after two or three weeks, beyond
//   `max_gap_d`, and recognised as scheduled care); a genuine complication
//   readmission (one, at an institution that otherwise does not split stays).
MATCH (p:Patient)<-[:`FOR`]-(s1:Settlement)-[:AT]->(i:Institution)
WHERE s1.begn_day IS NOT NULL AND s1.end_day > s1.begn_day AND s1.refund = 0
OPTIONAL MATCH (p)<-[:`FOR`]-(s2:Settlement)
WHERE s2.fixmedins_code = s1.fixmedins_code AND s2.setl_id <> s1.setl_id AND s2.refund = 0
  AND s2.begn_day >= s1.end_day AND s2.begn_day - s1.end_day <= $max_gap_d
  AND s2.dise_codg = s1.dise_codg
WITH p, i, s1, collect(DISTINCT s2.setl_id) AS next_stays
WITH p, i, count(*) AS stays, sum(CASE WHEN size(next_stays) > 0 THEN 1 ELSE 0 END) AS readmissions,
     collect(CASE WHEN size(next_stays) > 0 THEN [s1.setl_id] + next_stays END) AS evidence
RETURN 'Patient' AS entity_type, p.psn_no AS entity_id, 'Institution' AS hub_type, i.fixmedins_code AS hub_id,
       'stay' AS peer_group, 1.0 * readmissions AS observed, 1.0 * stays AS exposure, evidence
