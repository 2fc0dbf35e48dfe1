// title: 医生超量开药 / a doctor gives patients far more of a drug than peers get
// id: doctor-overprescription
// family: doctor_collusion
// level: high
// status: stable
// seeds: ["002 二(二)3", "002 二(二)7", "000 三(一)6", "000 三(三)5", "003 附件2", "003 附件3 三.3", "001 二 智能监控 30日跨院重复开药"]
// emits: observations
// params: {refill_d: 30.0, min_ratio: 2.0, min_surprise: 0.0, per_fill: true}
// description: >
//   A doctor over-prescribes a drug, often a key high-value one (insulin,
//   clopidogrel, statins, osimertinib), to patients who resell it (倒卖药品, 超量开药):
//   wildly excessive quantities, or two to four times a normal refill, more often
//   than monthly, or the same drug again from a second doctor at another
//   hospital within a month (跨院重复开药). One row per doctor, patient and drug:
//   the quantity dispensed over the days the patient was on it there (first to
//   last fill plus `refill_d`). The peer rate is the drug's; a patient whose
//   quantity, at one doctor or over all of them, is `min_ratio` times it or more
//   is anomalous, and a doctor whose patients are beyond chance gathers them into
//   a ring.
// falsepositives: >
//   Genuinely sick chronic patients on monthly refills, and a busy chronic-disease
//   doctor with dozens of them (ordinary quantities); one large pack for a long
//   trip (one fill, little surprise).
MATCH (s:Settlement)-[i:INCLUDES]->(g:Drug)
WHERE s.refund = 0 AND i.cnt > 0 AND s.atddr_no IS NOT NULL
WITH s.atddr_no AS doctor, s.psn_no AS psn, g.med_list_codg AS drug, sum(i.cnt) AS qty,
     min(s.setl_day) AS first_day, max(s.setl_day) AS last_day, collect(DISTINCT s.setl_id) AS evidence
RETURN 'Patient' AS entity_type, psn AS entity_id, 'Doctor' AS hub_type, doctor AS hub_id,
       drug AS peer_group, 1.0 * qty AS observed, last_day - first_day + $refill_d AS exposure,
       evidence, first_day AS t_first
