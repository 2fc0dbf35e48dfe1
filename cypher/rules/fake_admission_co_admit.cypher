// title: 团伙同批住院 / patients admitted and discharged together, repeatedly
// id: admission-co-admit
// family: fake_admission
// level: high
// status: stable
// seeds: ["000 三(一)3", "000 三(一)5", "003 附件3 一.4", "003 附件3 四.3", "001 三(二)"]
// params: {admit_window_d: 1, discharge_window_d: 1, min_los_d: 3, min_episodes: 2}
// emits: link
// description: >
//   An intermediary recruits insured people and a small hospital admits them in
//   batches (虚假住院, 挂床住院, 诱导住院). Two patients admitted at the same
//   institution within admit_window_d days of each other and discharged within
//   discharge_window_d days, in at least min_episodes different episodes, are
//   linked; weight = episodes. Stays shorter than min_los_d days are ignored.
//   admit_window_d may be at most half the store's admit slot (settings.admit_slot_d).
// falsepositives: >
//   A dialysis cohort (same-day sessions, shorter than min_los_d); one bus
//   accident (one episode only); a nursing home (shared address, independent
//   admissions: no repeated co-admission).
MATCH (s1:Settlement)-[:IN_SLOT]->(t:Slot)<-[:IN_SLOT]-(s2:Settlement)
WHERE t.kind = 'admit' AND s1.psn_no < s2.psn_no
  AND s1.end_day - s1.begn_day >= $min_los_d AND s2.end_day - s2.begn_day >= $min_los_d
  AND abs(s1.begn_day - s2.begn_day) <= $admit_window_d
  AND abs(s1.end_day - s2.end_day) <= $discharge_window_d
WITH s1.psn_no AS psn1, s2.psn_no AS psn2, count(DISTINCT s1.begn_day) AS episodes,
     collect(DISTINCT s1.setl_id) + collect(DISTINCT s2.setl_id) AS evidence
WHERE episodes >= $min_episodes
RETURN 'Patient' AS a_type, psn1 AS a_id, 'Patient' AS b_type, psn2 AS b_id,
       1.0 * episodes AS weight, evidence
