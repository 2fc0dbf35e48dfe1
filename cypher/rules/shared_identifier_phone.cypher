// title: 多人共用联系电话 / one contact phone on many unrelated people
// id: identity-shared-phone
// family: shared_identifier
// level: medium
// status: stable
// seeds: ["003 附件3 四.1", "003 附件3 四.2", "003 附件3 四.3"]
// params: {min_holders: 4, max_holders: 40, min_addresses: 4}
// emits: link
// description: >
//   A professional fraud gang's intermediary (职业骗保团伙, 中介) leaves its own
//   phone on the records of the people it recruits. A phone held by between
//   min_holders and max_holders people living at min_addresses or more distinct
//   addresses links every pair of its holders who live apart; weight 2/holders
//   so a phone adds about one unit of weight per holder whatever its size.
// falsepositives: >
//   Families (2–5 people, one address); a nursing home's desk phone (one
//   address); placeholders such as 13800000000 on hundreds of records (max_holders).
MATCH (ph:Phone)<-[:HAS_PHONE]-(p:Patient)
WITH ph, count(DISTINCT p) AS holders, count(DISTINCT p.addr) AS addresses,
     collect(DISTINCT {psn: p.psn_no, home: coalesce(p.addr, p.psn_no)}) AS people
WHERE holders >= $min_holders AND holders <= $max_holders AND addresses >= $min_addresses
UNWIND people AS p1
UNWIND people AS p2
WITH p1, p2, holders
WHERE p1.psn < p2.psn AND p1.home <> p2.home
RETURN 'Patient' AS a_type, p1.psn AS a_id, 'Patient' AS b_type, p2.psn AS b_id,
       2.0 / holders AS weight, [] AS evidence
