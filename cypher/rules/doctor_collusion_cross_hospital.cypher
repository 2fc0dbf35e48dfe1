// title: 跨院重复开药 / the same patients fill a drug from the same two hospitals' doctors at once
// id: doctor-cross-hospital-duplicate
// family: doctor_collusion
// level: high
// status: stable
// seeds: ["001 二 智能监控 30日跨院重复开药", "002 二(二)7", "003 附件3 三.3"]
// emits: observations
// params: {window_d: 30, min_overlaps: 2, rate: share, min_ratio: 2.0, min_surprise: null}
// description: >
//   Patients collect the same drug from a doctor at one hospital and again from a
//   doctor at another within `window_d` days, `min_overlaps` times or more
//   (跨院重复开药, 叠加开药), near-normal quantities at each, to resell the rest.
//   One row per such patient, drug and pair of doctors sharing two or more of
//   them (one shared patient is no scheme). The hub is the pair of
//   doctors; it is suspicious when far more of the drug's two-hospital patients
//   share that pair than the two doctors' own shares of the drug's patients give
//   (each doctor's share counted without the patients they share, plus one, so
//   a scheme does not make its own doctors look busy).
// falsepositives: >
//   A patient who changes hospital, or sees a second specialist now and then:
//   two-hospital patients are spread over many pairs of doctors, each pair with
//   few of them. Pharmacy purchases are not prescriptions and do not count.
// One pattern, not two MATCH clauses: a second clause could start from the drug the first bound.
MATCH (p:Patient)<-[:`FOR`]-(s1:Settlement)-[:INCLUDES]->(g:Drug), (p)<-[:`FOR`]-(s2:Settlement)-[:INCLUDES]->(g)
WHERE s1.place_label = 'Institution' AND s1.refund = 0 AND s1.atddr_no IS NOT NULL
  AND s2.place_label = 'Institution' AND s2.refund = 0 AND s1.atddr_no < s2.atddr_no
  AND s1.fixmedins_code <> s2.fixmedins_code AND abs(s1.setl_day - s2.setl_day) <= $window_d
WITH g, p, s1.atddr_no AS d1, s2.atddr_no AS d2, count(*) AS overlaps,
     collect(DISTINCT s1.setl_id) + collect(DISTINCT s2.setl_id) AS evidence
WHERE overlaps >= $min_overlaps
WITH g, d1, d2, collect({psn: p.psn_no, evidence: evidence}) AS duals, count(*) AS shared
WHERE shared >= 2
// The drug's patients reached from their settlements (a drug node matched afresh, then compared):
// the embedded store keeps a settlement's way to its drugs, not a drug's way back to every
// settlement, so a query must not start from a drug it carries (graph/model.py).
MATCH (s:Settlement)-[:INCLUDES]->(other:Drug)
WHERE other = g AND s.place_label = 'Institution' AND s.atddr_no IS NOT NULL AND s.refund = 0
WITH g, d1, d2, duals, shared, count(DISTINCT s.psn_no) AS patients,
     count(DISTINCT CASE WHEN s.atddr_no = d1 THEN s.psn_no END) AS n1,
     count(DISTINCT CASE WHEN s.atddr_no = d2 THEN s.psn_no END) AS n2
UNWIND duals AS dual
RETURN 'Patient' AS entity_type, dual.psn AS entity_id, 'Doctor pair' AS hub_type, d1 + '+' + d2 AS hub_id,
       g.med_list_codg AS peer_group, 1.0 AS observed,
       2.0 * (n1 - shared + 1) * (n2 - shared + 1) / (1.0 * patients * patients) AS exposure, dual.evidence AS evidence
