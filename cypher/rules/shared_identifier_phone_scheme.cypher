// title: 中介电话与集中就医 / an intermediary's phone on many people who then go to one place
// id: identity-phone-scheme
// family: shared_identifier
// level: high
// status: stable
// seeds: ["003 附件3 四.1", "003 附件3 四.2", "003 附件3 四.3"]
// emits: observations
// params: {min_holders: 6, max_holders: 40, min_addresses: 4, rate: given, min_ratio: 2.0, min_surprise: null}
// description: >
//   A professional gang's intermediary (职业骗保团伙, 中介) leaves its own phone on
//   the records of the people it recruits (10–20 unrelated people at different
//   addresses; a few keep their own phone), who are then seen in an outpatient or
//   admission scheme at one clinic or hospital. For every phone held by
//   `min_holders` to `max_holders` people at `min_addresses` or more addresses:
//   one row per holder and place the holder settled at. The hub is the phone at
//   that place; it is suspicious when far more of its holders settled there than
//   the place's share of all insured people would bring.
// falsepositives: >
//   Families (2–5 people, one address); a nursing home's desk phone (one
//   address); placeholders such as 13800000000 on hundreds of records
//   (`max_holders`); a phone shared by unrelated people who use the places
//   everyone uses (no concentration beyond the places' share).
MATCH (everyone:Patient)
WITH count(everyone) AS population
MATCH (ph:Phone)<-[:HAS_PHONE]-(p:Patient)
WITH population, ph, count(DISTINCT p) AS holders, count(DISTINCT p.addr) AS addresses
WHERE holders >= $min_holders AND holders <= $max_holders AND addresses >= $min_addresses
MATCH (ph)<-[:HAS_PHONE]-(p:Patient)<-[:`FOR`]-(s:Settlement)-[:AT]->(place)
WITH population, ph.tel AS tel, holders, place, p.psn_no AS psn, collect(s.setl_id) AS evidence
WITH population, place, collect({tel: tel, holders: holders, psn: psn, evidence: evidence}) AS visitors
// The place's people reached from their settlements (a place node matched afresh, then
// compared): the embedded store keeps a settlement's way to its place, not the place's way
// back to every settlement, so a query must not start from a place it carries (graph/model.py).
MATCH (v:Settlement)-[:AT]->(other)
WHERE other = place
WITH population, place, visitors, count(DISTINCT v.psn_no) AS place_people
UNWIND visitors AS visitor
RETURN 'Patient' AS entity_type, visitor.psn AS entity_id, 'Phone' AS hub_type,
       visitor.tel + '@' + place.fixmedins_code AS hub_id, 'phone at a place' AS peer_group, 1.0 AS observed,
       1.0 * place_people / population AS exposure, visitor.evidence AS evidence,
       1.0 * visitor.holders * place_people / population AS hub_exposure
