// title: 分解住院 / one stay split into several at the same institution
// id: admission-split
// family: split_admission
// level: high
// status: stable
// seeds: ["003 附件3 一.4", "000 三(一)1"]
// params: {max_gap_d: 7, min_splits: 2}
// emits: link
// description: >
//   A stay is split into several to bill more (分解住院): the patient is
//   readmitted to the same institution with the same diagnosis within max_gap_d
//   days of discharge, at least min_splits times. Links patient and institution;
//   weight = splits, so institutions where this concentrates gather a ring.
// falsepositives: >
//   Planned chemotherapy cycles (readmission after two or three weeks, beyond
//   max_gap_d = one week); a genuine complication readmission (one split).
MATCH (p:Patient)<-[:`FOR`]-(s1:Settlement)-[:AT]->(i:Institution)
WHERE s1.begn_day IS NOT NULL AND s1.end_day > s1.begn_day
MATCH (p)<-[:`FOR`]-(s2:Settlement)
WHERE s2.fixmedins_code = s1.fixmedins_code AND s2.setl_id <> s1.setl_id
  AND s2.begn_day >= s1.end_day AND s2.begn_day - s1.end_day <= $max_gap_d
  AND s2.dise_codg = s1.dise_codg
WITH p, i, count(DISTINCT s2.setl_id) AS splits, collect(DISTINCT s1.setl_id) + collect(DISTINCT s2.setl_id) AS evidence
WHERE splits >= $min_splits
RETURN 'Patient' AS a_type, p.psn_no AS a_id, 'Institution' AS b_type, i.fixmedins_code AS b_id,
       1.0 * splits AS weight, evidence
